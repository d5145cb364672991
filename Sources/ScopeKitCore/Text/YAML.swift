/// A reader for the subset of YAML that configuration and recipe files use, producing a ``JSONValue`` tree.
///
/// Supported: block mappings (`key: value`) and block sequences (`- item`, also `- key: value` items) nested
/// by indentation (spaces only); plain, single-quoted (`'it''s'`) and double-quoted (`"a\tb"`, JSON escapes)
/// scalars; flow sequences `[a, b]` and flow mappings `{a: 1}`, which may span lines; `#` comments (at the
/// start of a line or after whitespace); a leading `---` document marker. Plain scalars resolve as in YAML
/// 1.2's JSON schema: `null`/`~`/empty → null, `true`/`false` → bool, numbers → number, anything else →
/// string. Because JSON is flow YAML, JSON text parses too.
///
/// Not supported (a clear error names the line): block scalars (`|`, `>`), anchors and aliases (`&a`, `*a`),
/// tags (`!!str`), multi-line plain scalars, several documents, tab indentation.
///
/// ```swift
/// let tree = try YAML.parse("""
///     steps:            # a levelling recipe
///       - plane:2,2
///       - {medianLine: {direction: rows, strength: 1}}
///     """)
/// tree["steps"]         // .array([.string("plane:2,2"), .object([...])])
/// ```
///
/// Follows YAML 1.2.2 (yaml.org/spec/1.2.2) for the constructs above; this is ScopeKit's own reader (no
/// dependency).
///
/// - Complexity: O(length of the text).
public enum YAML {
    /// Parses `text` into a value tree.
    ///
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` with the line number for malformed or unsupported input.
    public static func parse(_ text: String) throws -> JSONValue {
        var parser = try BlockParser(text)
        return try parser.document()
    }
}

/// One significant line: indentation, content without comment, 1-based line number.
private struct YAMLLine {
    var indent: Int
    var text: Substring
    var number: Int
}

private func yamlError(_ line: Int, _ reason: String) -> ScopeKitError {
    ScopeKitError.badInput("YAML line \(line): \(reason)")
}

/// Block structure: a cursor over the significant lines.
private struct BlockParser {
    var lines: [YAMLLine] = []
    var index = 0

    init(_ text: String) throws {
        var number = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            var line = raw
            if line.hasSuffix("\r") { line = line.dropLast() }
            let content = try stripComment(line, number)
            let trimmed = content.drop { $0 == " " }
            if trimmed.isEmpty { continue }
            if trimmed.first == "\t" || content.prefix(while: { $0 == " " || $0 == "\t" }).contains("\t") {
                throw yamlError(number, "tabs cannot indent YAML")
            }
            var text = trimmed
            while text.last == " " || text.last == "\t" { text = text.dropLast() }
            lines.append(YAMLLine(indent: content.count - trimmed.count, text: text, number: number))
        }
        if let first = lines.first, first.indent == 0, first.text == "---" || first.text.hasPrefix("--- ") {
            let rest = first.text.dropFirst(3).drop { $0 == " " }
            if rest.isEmpty { lines.removeFirst() } else { lines[0].text = rest; lines[0].indent = 4 }
        }
        if let i = lines.firstIndex(where: { $0.indent == 0 && ($0.text == "---" || $0.text == "...") }) {
            if lines[i].text == "---" { throw yamlError(lines[i].number, "only one YAML document is supported") }
            lines.removeSubrange(i...)
        }
    }

    /// The whole document (empty → null).
    mutating func document() throws -> JSONValue {
        guard index < lines.count else { return .null }
        let value = try node(indent: lines[index].indent)
        if index < lines.count {
            throw yamlError(lines[index].number, "unexpected indentation or content '\(lines[index].text)'")
        }
        return value
    }

    /// A node whose first line is at `indent`.
    mutating func node(indent: Int) throws -> JSONValue {
        let line = lines[index]
        if line.text == "-" || line.text.hasPrefix("- ") { return try sequence(indent: indent) }
        if try splitKey(line.text, line.number) != nil { return try mapping(indent: indent) }
        index += 1
        return try scalarOrFlow(line.text, line.number)
    }

    mutating func sequence(indent: Int) throws -> JSONValue {
        var items: [JSONValue] = []
        while index < lines.count, lines[index].indent == indent,
              lines[index].text == "-" || lines[index].text.hasPrefix("- ") {
            let line = lines[index]
            let rest = line.text.dropFirst(1).drop { $0 == " " }
            if rest.isEmpty {
                index += 1
                if index < lines.count, lines[index].indent > indent {
                    items.append(try node(indent: lines[index].indent))
                } else {
                    items.append(.null)
                }
            } else {
                // "- item": the item starts at the column after the dash and its spaces.
                lines[index] = YAMLLine(indent: indent + (line.text.count - rest.count), text: rest, number: line.number)
                items.append(try node(indent: lines[index].indent))
            }
        }
        try checkEnd(indent)
        return .array(items)
    }

    mutating func mapping(indent: Int) throws -> JSONValue {
        var members: [(key: String, value: JSONValue)] = []
        while index < lines.count, lines[index].indent == indent {
            let line = lines[index]
            guard let (key, rest) = try splitKey(line.text, line.number) else {
                throw yamlError(line.number, "expected 'key: value' in a mapping, got '\(line.text)'")
            }
            if members.contains(where: { $0.key == key }) { throw yamlError(line.number, "duplicate key '\(key)'") }
            index += 1
            let value: JSONValue
            if rest.isEmpty {
                if index < lines.count, lines[index].indent > indent {
                    value = try node(indent: lines[index].indent)
                } else if index < lines.count, lines[index].indent == indent,
                          lines[index].text == "-" || lines[index].text.hasPrefix("- ") {
                    value = try sequence(indent: indent)   // "key:\n- a" (sequence at the key's indent)
                } else {
                    value = .null
                }
            } else {
                value = try scalarOrFlow(rest, line.number)
            }
            members.append((key, value))
        }
        try checkEnd(indent)
        return .object(members)
    }

    /// After a block at `indent`, the next line must be less indented (the parent continues) or the end.
    func checkEnd(_ indent: Int) throws {
        if index < lines.count, lines[index].indent > indent {
            throw yamlError(lines[index].number, "unexpected indentation")
        }
    }

    /// A scalar or a flow collection (which may continue on the following lines).
    mutating func scalarOrFlow(_ text: Substring, _ number: Int) throws -> JSONValue {
        guard let first = text.first else { return .null }
        if first == "[" || first == "{" {
            var source = String(text)
            var scanner = FlowScanner(source, line: number)
            while !scanner.isBalanced() {
                guard index < lines.count else { throw yamlError(number, "unclosed '\(first)'") }
                source += " " + lines[index].text
                index += 1
                scanner = FlowScanner(source, line: number)
            }
            let value = try scanner.value()
            scanner.skipSpaces()
            guard scanner.atEnd else { throw yamlError(number, "unexpected text after the flow collection") }
            return value
        }
        switch first {
        case "|", ">": throw yamlError(number, "block scalars (| and >) are not supported")
        case "&", "*": throw yamlError(number, "anchors and aliases are not supported")
        case "!": throw yamlError(number, "tags are not supported")
        default: break
        }
        if first == "'" || first == "\"" {
            var scanner = FlowScanner(String(text), line: number)
            let value = try scanner.quoted()
            scanner.skipSpaces()
            guard scanner.atEnd else { throw yamlError(number, "unexpected text after the quoted string") }
            return .string(value)
        }
        return resolvePlain(String(text))
    }

    /// Splits `key: rest` (plain or quoted key); nil when the line is not a mapping entry.
    func splitKey(_ text: Substring, _ number: Int) throws -> (String, Substring)? {
        guard let first = text.first else { return nil }
        if first == "[" || first == "{" { return nil }
        if first == "'" || first == "\"" {
            var scanner = FlowScanner(String(text), line: number)
            guard let key = try? scanner.quoted() else { return nil }
            scanner.skipSpaces()
            guard scanner.peek() == ":" else { return nil }
            scanner.advance()
            guard scanner.atEnd || scanner.peek() == " " else { return nil }
            return (key, Substring(scanner.rest).drop { $0 == " " })
        }
        var i = text.startIndex
        while i < text.endIndex {
            if text[i] == ":" {
                let next = text.index(after: i)
                if next == text.endIndex || text[next] == " " {
                    let key = text[..<i].trimmingTrailingSpaces()
                    guard !key.isEmpty else { throw yamlError(number, "empty mapping key") }
                    return (String(key), text[next...].drop { $0 == " " })
                }
            }
            i = text.index(after: i)
        }
        return nil
    }
}

/// Removes a `#` comment that is outside quotes and at the line start or after whitespace.
private func stripComment(_ line: Substring, _ number: Int) throws -> Substring {
    var quote: Character?
    var previous: Character = " "
    var i = line.startIndex
    while i < line.endIndex {
        let c = line[i]
        if let q = quote {
            if c == q {
                if q == "'", line.index(after: i) < line.endIndex, line[line.index(after: i)] == "'" {
                    i = line.index(after: i)
                } else {
                    quote = nil
                }
            } else if c == "\\" && q == "\"" {
                i = line.index(after: i)
                if i == line.endIndex { break }
            }
        } else if c == "#" && (previous == " " || previous == "\t") {
            return line[..<i]
        } else if (c == "'" || c == "\"") && (previous == " " || previous == "[" || previous == "{"
                                               || previous == "," || previous == ":" || previous == "-") {
            quote = c
        }
        previous = c
        i = line.index(after: i)
    }
    return line
}

/// YAML 1.2 JSON-schema resolution of a plain scalar.
private func resolvePlain(_ s: String) -> JSONValue {
    switch s {
    case "", "~", "null", "Null", "NULL": return .null
    case "true", "True", "TRUE": return .bool(true)
    case "false", "False", "FALSE": return .bool(false)
    default: break
    }
    if let literal = jsonNumber(s) { return .number(literal) }
    return .string(s)
}

/// `s` as a JSON number literal when it is a YAML number (`1`, `-2.5`, `1e-3`, `+3`, `.5`), else nil.
private func jsonNumber(_ s: String) -> String? {
    var body = Substring(s)
    var sign = ""
    if body.first == "-" || body.first == "+" {
        if body.first == "-" { sign = "-" }
        body = body.dropFirst()
    }
    guard let f = body.first, f.isASCII, f.isNumber || f == "." else { return nil }
    let allowed = Set("0123456789.eE+-")
    guard body.allSatisfy({ allowed.contains($0) }), let v = Double(sign + body), v.isFinite else { return nil }
    let isInteger = body.allSatisfy { $0.isNumber }
    if isInteger {
        let digits = body.drop { $0 == "0" }
        return sign + (digits.isEmpty ? "0" : String(digits))
    }
    let valid = body.first != "." && body.last != "." && !body.contains(".e") && !body.contains(".E")
    return valid ? sign + body : "\(v)"
}

/// Flow collections and quoted strings, character by character (JSON is a subset).
private struct FlowScanner {
    let chars: [Character]
    var position = 0
    let line: Int

    init(_ text: String, line: Int) {
        chars = Array(text)
        self.line = line
    }

    var atEnd: Bool { position >= chars.count }
    var rest: String { String(chars[min(position, chars.count)...]) }
    func peek() -> Character? { position < chars.count ? chars[position] : nil }
    mutating func advance() { position += 1 }
    mutating func skipSpaces() { while let c = peek(), c == " " || c == "\t" { advance() } }

    /// True when every bracket opened outside quotes is closed.
    func isBalanced() -> Bool {
        var depth = 0
        var quote: Character?
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if let q = quote {
                if c == "\\" && q == "\"" { i += 1 } else if c == q { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == "[" || c == "{" {
                depth += 1
            } else if c == "]" || c == "}" {
                depth -= 1
            }
            i += 1
        }
        return depth <= 0
    }

    mutating func value() throws -> JSONValue {
        skipSpaces()
        guard let c = peek() else { throw yamlError(line, "missing value") }
        switch c {
        case "[":
            advance()
            var items: [JSONValue] = []
            skipSpaces()
            if peek() == "]" { advance(); return .array(items) }
            while true {
                items.append(try value())
                skipSpaces()
                guard let d = peek() else { throw yamlError(line, "unclosed '['") }
                advance()
                if d == "]" { return .array(items) }
                guard d == "," else { throw yamlError(line, "expected ',' or ']' in a flow sequence, got '\(d)'") }
                skipSpaces()
                if peek() == "]" { advance(); return .array(items) }
            }
        case "{":
            advance()
            var members: [(key: String, value: JSONValue)] = []
            skipSpaces()
            if peek() == "}" { advance(); return .object(members) }
            while true {
                skipSpaces()
                let key: String
                if peek() == "\"" || peek() == "'" {
                    key = try quoted()
                } else {
                    key = try plain(stopAtColon: true).trimmingCharacters(in: " ")
                }
                skipSpaces()
                guard peek() == ":" else { throw yamlError(line, "expected ':' after key '\(key)' in a flow mapping") }
                advance()
                if members.contains(where: { $0.key == key }) { throw yamlError(line, "duplicate key '\(key)'") }
                skipSpaces()
                let v: JSONValue = (peek() == "," || peek() == "}") ? .null : try value()
                members.append((key, v))
                skipSpaces()
                guard let d = peek() else { throw yamlError(line, "unclosed '{'") }
                advance()
                if d == "}" { return .object(members) }
                guard d == "," else { throw yamlError(line, "expected ',' or '}' in a flow mapping, got '\(d)'") }
                skipSpaces()
                if peek() == "}" { advance(); return .object(members) }
            }
        case "\"", "'":
            return .string(try quoted())
        case "]", "}", ",":
            throw yamlError(line, "unexpected '\(c)'")
        default:
            return resolvePlain(try plain(stopAtColon: false).trimmingCharacters(in: " "))
        }
    }

    /// A plain scalar inside a flow collection: up to `,`, `]`, `}` (and `: ` for keys).
    mutating func plain(stopAtColon: Bool) throws -> String {
        var out = ""
        while let c = peek() {
            if c == "," || c == "]" || c == "}" || c == "[" || c == "{" { break }
            if c == ":" && (stopAtColon || position + 1 >= chars.count || chars[position + 1] == " ") { break }
            out.append(c)
            advance()
        }
        return out
    }

    /// A single- or double-quoted string (the scanner is at the opening quote).
    mutating func quoted() throws -> String {
        let q = chars[position]
        advance()
        var out = ""
        while let c = peek() {
            advance()
            if c == q {
                if q == "'" && peek() == "'" { out.append("'"); advance(); continue }
                return out
            }
            if q == "\"" && c == "\\" {
                guard let e = peek() else { break }
                advance()
                switch e {
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "r": out.append("\r")
                case "0": out.append("\0")
                case "b": out.append("\u{8}")
                case "f": out.append("\u{c}")
                case "\"", "\\", "/", "'", " ": out.append(e)
                case "u":
                    guard position + 4 <= chars.count, let v = UInt32(String(chars[position..<position + 4]), radix: 16),
                          let scalar = Unicode.Scalar(v) else { throw yamlError(line, "bad \\u escape") }
                    out.unicodeScalars.append(scalar)
                    position += 4
                default: throw yamlError(line, "unknown escape '\\\(e)'")
                }
                continue
            }
            out.append(c)
        }
        throw yamlError(line, "unclosed \(q) quote")
    }
}

private extension Substring {
    func trimmingTrailingSpaces() -> Substring {
        var s = self
        while s.last == " " { s = s.dropLast() }
        return s
    }
}

private extension String {
    func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}
