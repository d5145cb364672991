import Foundation

/// A JSON document as a value tree: what a YAML recipe is converted to before `Codable` decodes it.
///
/// Numbers keep their literal text, so `2` decodes as an `Int` and `0.6` as a `Double` exactly as a JSON file
/// would. ``jsonText()`` serialises the tree as compact JSON; ``init(json:)`` parses JSON text.
///
/// ```swift
/// let tree = try YAML.parse("steps:\n  - plane:2,2\n")
/// let data = Data(tree.jsonText().utf8)              // {"steps":["plane:2,2"]}
/// ```
///
/// - Complexity: O(size of the document) for conversion and serialisation.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// A number as its JSON literal (`"2"`, `"-1.5e-3"`).
    case number(String)
    case string(String)
    case array([JSONValue])
    /// An object, keys in document order.
    case object([(key: String, value: JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y || (Double(x) != nil && Double(x) == Double(y))
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// The value of `key` in an object (`nil` for other values or a missing key).
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members.first { $0.key == key }?.value }
        return nil
    }

    /// Compact JSON text of the tree.
    public func jsonText() -> String {
        var out = ""
        write(into: &out)
        return out
    }

    private func write(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += n
        case .string(let s): JSONValue.quote(s, into: &out)
        case .array(let items):
            out += "["
            for (i, v) in items.enumerated() {
                if i > 0 { out += "," }
                v.write(into: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, m) in members.enumerated() {
                if i > 0 { out += "," }
                JSONValue.quote(m.key, into: &out)
                out += ":"
                m.value.write(into: &out)
            }
            out += "}"
        }
    }

    private static func quote(_ s: String, into out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        out += "\""
    }

    /// Parses JSON text (JSON is YAML's flow syntax, so ``YAML/parse(_:)`` reads it, keeping key order).
    ///
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` for invalid JSON.
    public init(json text: String) throws {
        self = try YAML.parse(text)
    }
}
