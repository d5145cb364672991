import Testing
@testable import ScopeKitCore

@Suite("YAML subset reader")
struct YAMLTests {
    @Test("block mappings and sequences nest by indentation; scalars resolve like YAML 1.2 JSON schema")
    func blocks() throws {
        let text = """
            --- # a recipe
            name: demo            # trailing comment
            count: 3
            ratio: -1.5e-3
            on: true
            nothing: ~
            empty:
            steps:
              - plane:2,2
              - median-line
              - medianLine:
                  direction: rows
                  strength: 0.6
            list:
            - a
            - b # at the key's indent
            """
        let v = try YAML.parse(text)
        #expect(v["name"] == .string("demo"))
        #expect(v["count"] == .number("3"))
        #expect(v["ratio"] == .number("-1.5e-3"))
        #expect(v["on"] == .bool(true))
        #expect(v["nothing"] == .null && v["empty"] == .null)
        #expect(v["steps"] == .array([.string("plane:2,2"), .string("median-line"),
                                      .object([(key: "medianLine", value: .object([(key: "direction", value: .string("rows")),
                                                                                  (key: "strength", value: .number("0.6"))]))])]))
        #expect(v["list"] == .array([.string("a"), .string("b")]))
        #expect(v.jsonText().hasPrefix("{\"name\":\"demo\",\"count\":3,"))
    }

    @Test("quoted strings, flow sequences and mappings (also across lines), '#' inside quotes")
    func flowAndQuotes() throws {
        let v = try YAML.parse("""
            a: 'it''s # not a comment'
            b: "tab\\there \\"q\\" \\u00e9"
            c: [1, two, "three, 3", [4], {k: v}]
            d: {x: 1, "y": [a,
                b], z: }
            e: +5
            f: .5
            g: 007
            "quoted key": yes
            """)
        #expect(v["a"] == .string("it's # not a comment"))
        #expect(v["b"] == .string("tab\there \"q\" é"))
        #expect(v["c"] == .array([.number("1"), .string("two"), .string("three, 3"), .array([.number("4")]),
                                  .object([(key: "k", value: .string("v"))])]))
        #expect(v["d"] == .object([(key: "x", value: .number("1")), (key: "y", value: .array([.string("a"), .string("b")])),
                                   (key: "z", value: .null)]))
        #expect(v["e"] == .number("5") && v["f"] == .number("0.5") && v["g"] == .number("7"))
        #expect(v["quoted key"] == .string("yes"))   // YAML 1.2: yes is a string
    }

    @Test("JSON text parses, pretty-printed over many lines, key order kept")
    func json() throws {
        let text = """
            {
              "steps" : [
                {
                  "plane" : { "xOrder" : 2, "yOrder" : 1, "method" : { "nanoLocz" : {} } }
                },
                "median-line"
              ],
              "flag" : false, "none": null
            }
            """
        let v = try JSONValue(json: text)
        #expect(v["flag"] == .bool(false) && v["none"] == .null)
        #expect(v.jsonText() == #"{"steps":[{"plane":{"xOrder":2,"yOrder":1,"method":{"nanoLocz":{}}}},"median-line"],"flag":false,"none":null}"#)
        #expect(try YAML.parse(v.jsonText()) == v)
        #expect(try YAML.parse("") == .null)
        #expect(try YAML.parse("- 1\n- [2, 3]\n") == .array([.number("1"), .array([.number("2"), .number("3")])]))
    }

    @Test("bad or unsupported input → one-line error with the line number", arguments: [
        ("a: 1\n\tb: 2", "line 2: tabs"),
        ("a: |\n  text", "line 1: block scalars"),
        ("a: &x 1", "anchors"),
        ("a: !!str 1", "tags"),
        ("a: [1, 2", "line 1: unclosed"),
        ("a: 'open", "unclosed ' quote"),
        ("a: 1\n  b: 2", "line 2: unexpected indentation"),
        ("a: 1\na: 2", "duplicate key 'a'"),
        ("- a\nb: 1", "line 2"),
        ("a: {x 1}", "expected ':'"),
        ("a: 1\n---\nb: 2", "one YAML document"),
        ("a: \"\\q\"", "unknown escape"),
    ])
    func errors(_ text: String, _ message: String) {
        do {
            let v = try YAML.parse(text)
            Issue.record("parsed \(v.jsonText())")
        } catch let e as ScopeKitError {
            #expect(e.kind == .badInput)
            #expect(e.description.contains(message), "\(e.description)")
            #expect(!e.description.contains("\n"))
        } catch {
            Issue.record("\(error)")
        }
    }
}
