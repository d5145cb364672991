import ScopeKitCore

/// A value of the small Python-literal subset that NPY headers use: a dict of strings, booleans, integers
/// and tuples.
///
/// The parser is a hand-written recursive-descent reader, never an evaluator: anything outside the subset
/// (calls, names other than `True`/`False`/`None`, floats, nesting deeper than 32) is rejected.
enum NPYLiteral: Equatable, Sendable {
    case string(String)
    case integer(Int)
    case boolean(Bool)
    case none
    case sequence([NPYLiteral])
    case dictionary([(key: String, value: NPYLiteral)])

    static func == (a: NPYLiteral, b: NPYLiteral) -> Bool {
        switch (a, b) {
        case let (.string(x), .string(y)): x == y
        case let (.integer(x), .integer(y)): x == y
        case let (.boolean(x), .boolean(y)): x == y
        case (.none, .none): true
        case let (.sequence(x), .sequence(y)): x == y
        case let (.dictionary(x), .dictionary(y)):
            x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: false
        }
    }

    /// Parses `text` as one literal followed only by whitespace.
    ///
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` naming the offending position.
    static func parse(_ text: String) throws -> NPYLiteral {
        var parser = NPYLiteralParser(Array(text.unicodeScalars))
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.atEnd else { throw parser.error("unexpected text after the header dict") }
        return value
    }
}

/// The recursive-descent reader behind ``NPYLiteral/parse(_:)``.
struct NPYLiteralParser {
    private let scalars: [Unicode.Scalar]
    private var position = 0
    private static let maximumDepth = 32

    init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

    var atEnd: Bool { position >= scalars.count }

    func error(_ reason: String) -> ScopeKitError {
        ScopeKitError.badInput("malformed NPY header: \(reason) at character \(position)")
    }

    mutating func skipSpace() {
        while position < scalars.count, scalars[position].properties.isWhitespace { position += 1 }
    }

    private func peek() -> Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }

    mutating func value(depth: Int) throws -> NPYLiteral {
        guard depth < Self.maximumDepth else { throw error("nesting deeper than \(Self.maximumDepth)") }
        skipSpace()
        guard let c = peek() else { throw error("unexpected end") }
        switch c {
        case "{": return try dictionary(depth: depth)
        case "(": return .sequence(try sequence(closing: ")", depth: depth))
        case "[": return .sequence(try sequence(closing: "]", depth: depth))
        case "'", "\"": return .string(try string())
        case "-", "+", "0"..."9": return .integer(try integer())
        default:
            let word = identifier()
            switch word {
            case "True": return .boolean(true)
            case "False": return .boolean(false)
            case "None": return .none
            case "": throw error("unexpected character '\(c)'")
            default: throw error("unsupported name '\(word)'")
            }
        }
    }

    private mutating func identifier() -> String {
        var s = String.UnicodeScalarView()
        while let c = peek(), c.properties.isAlphabetic || c == "_" || ("0"..."9").contains(c) {
            s.append(c)
            position += 1
        }
        return String(s)
    }

    private mutating func dictionary(depth: Int) throws -> NPYLiteral {
        position += 1  // {
        var entries: [(key: String, value: NPYLiteral)] = []
        while true {
            skipSpace()
            guard let c = peek() else { throw error("unterminated dict") }
            if c == "}" { position += 1; return .dictionary(entries) }
            guard c == "'" || c == "\"" else { throw error("dict key is not a string") }
            let key = try string()
            skipSpace()
            guard peek() == ":" else { throw error("expected ':' after key '\(key)'") }
            position += 1
            let v = try value(depth: depth + 1)
            if let i = entries.firstIndex(where: { $0.key == key }) { entries[i].value = v } else {
                entries.append((key, v))
            }
            skipSpace()
            if peek() == "," { position += 1; continue }
            guard peek() == "}" else { throw error("expected ',' or '}' in dict") }
        }
    }

    private mutating func sequence(closing: Unicode.Scalar, depth: Int) throws -> [NPYLiteral] {
        position += 1
        var items: [NPYLiteral] = []
        while true {
            skipSpace()
            guard let c = peek() else { throw error("unterminated tuple") }
            if c == closing { position += 1; return items }
            items.append(try value(depth: depth + 1))
            skipSpace()
            if peek() == "," { position += 1; continue }
            guard peek() == closing else { throw error("expected ',' or '\(closing)'") }
        }
    }

    private mutating func string() throws -> String {
        let quote = scalars[position]
        position += 1
        var s = String.UnicodeScalarView()
        while let c = peek() {
            position += 1
            if c == quote { return String(s) }
            if c == "\\" {
                guard let e = peek() else { break }
                position += 1
                switch e {
                case "n": s.append("\n")
                case "t": s.append("\t")
                case "\\", "'", "\"": s.append(e)
                default: s.append("\\"); s.append(e)
                }
            } else {
                s.append(c)
            }
        }
        throw error("unterminated string")
    }

    private mutating func integer() throws -> Int {
        var negative = false
        if let c = peek(), c == "-" || c == "+" {
            negative = c == "-"
            position += 1
        }
        var value = 0
        var digits = 0
        while let c = peek(), ("0"..."9").contains(c) {
            let d = Int(c.value - 48)
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(d)
            guard !o1, !o2 else { throw error("integer too large") }
            value = a
            digits += 1
            position += 1
        }
        guard digits > 0 else { throw error("expected digits") }
        if let c = peek(), c == "L" || c == "l" { position += 1 }  // Python 2 long suffix
        if let c = peek(), c == "." || c == "e" || c == "E" { throw error("floats are not valid here") }
        return negative ? -value : value
    }
}
