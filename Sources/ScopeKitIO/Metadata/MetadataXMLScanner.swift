import ScopeKitCore

/// A small, forgiving scanner over the tags of an XML document: start tags with their attributes and end
/// tags, in order. Text, comments, processing instructions, CDATA sections and DOCTYPE declarations are
/// skipped; namespace prefixes are removed from names (`ome:Pixels` → `Pixels`); attribute values have the
/// five predefined entities and numeric character references decoded.
///
/// Enough for OME-XML, where everything ScopeKit needs is in attributes. Malformed markup (an unterminated
/// tag or attribute, an attribute without a quoted value) throws ``ScopeKitError/badInput(_:file:)``; the
/// scanner never recurses, so deep nesting cannot overflow the stack.
struct MetadataXMLScanner {
    /// One tag.
    enum Event: Equatable {
        case start(name: String, attributes: [String: String], selfClosing: Bool)
        case end(name: String)
    }

    private let bytes: [UInt8]
    private var position = 0

    init(_ text: String) { bytes = Array(text.utf8) }

    private func error(_ reason: String) -> ScopeKitError {
        ScopeKitError.badInput("malformed XML: \(reason) at byte \(position)")
    }

    /// The next tag, or `nil` at the end of the document.
    mutating func next() throws -> Event? {
        while true {
            guard let lt = find(0x3C, from: position) else { position = bytes.count; return nil }  // <
            position = lt + 1
            if starts(with: "!--") {
                guard let end = find("-->", from: position) else { throw error("unterminated comment") }
                position = end + 3
            } else if starts(with: "![CDATA[") {
                guard let end = find("]]>", from: position) else { throw error("unterminated CDATA section") }
                position = end + 3
            } else if starts(with: "?") {
                guard let end = find("?>", from: position) else { throw error("unterminated processing instruction") }
                position = end + 2
            } else if starts(with: "!") {
                guard let end = find(0x3E, from: position) else { throw error("unterminated declaration") }
                position = end + 1
            } else if starts(with: "/") {
                position += 1
                let name = readName()
                guard let end = find(0x3E, from: position) else { throw error("unterminated end tag") }
                position = end + 1
                return .end(name: Self.localName(name))
            } else {
                return try startTag()
            }
        }
    }

    /// The character data from the current position to the next tag (call right after a start tag), with
    /// entities decoded and surrounding white space removed; the position stays at that tag.
    mutating func text() -> String {
        let end = find(0x3C, from: position) ?? bytes.count
        var lo = position, hi = end
        let space: [UInt8] = [0x20, 0x09, 0x0A, 0x0D]
        while lo < hi && space.contains(bytes[lo]) { lo += 1 }
        while hi > lo && space.contains(bytes[hi - 1]) { hi -= 1 }
        position = end
        return Self.decodeEntities(String(decoding: bytes[lo..<hi], as: UTF8.self))
    }

    private mutating func startTag() throws -> Event {
        let name = readName()
        guard !name.isEmpty else { throw error("tag without a name") }
        var attributes: [String: String] = [:]
        while true {
            skipSpace()
            guard position < bytes.count else { throw error("unterminated tag <\(name)") }
            if bytes[position] == 0x3E {  // >
                position += 1
                return .start(name: Self.localName(name), attributes: attributes, selfClosing: false)
            }
            if bytes[position] == 0x2F {  // /
                guard position + 1 < bytes.count, bytes[position + 1] == 0x3E else { throw error("stray '/' in <\(name)") }
                position += 2
                return .start(name: Self.localName(name), attributes: attributes, selfClosing: true)
            }
            let key = readName()
            guard !key.isEmpty else { throw error("unexpected character in <\(name)") }
            skipSpace()
            guard position < bytes.count, bytes[position] == 0x3D else { throw error("attribute \(key) has no value") }
            position += 1
            skipSpace()
            guard position < bytes.count, bytes[position] == 0x22 || bytes[position] == 0x27 else {
                throw error("attribute \(key) value is not quoted")
            }
            let quote = bytes[position]
            guard let close = find(quote, from: position + 1) else { throw error("unterminated attribute \(key)") }
            let raw = String(decoding: bytes[(position + 1)..<close], as: UTF8.self)
            position = close + 1
            let local = Self.localName(key)
            if attributes[local] == nil || !key.contains(":") { attributes[local] = Self.decodeEntities(raw) }
        }
    }

    private mutating func readName() -> String {
        let start = position
        while position < bytes.count {
            let b = bytes[position]
            if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x3E || b == 0x2F || b == 0x3D { break }
            position += 1
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    private mutating func skipSpace() {
        while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
    }

    private func starts(with s: String) -> Bool {
        let p = Array(s.utf8)
        return position + p.count <= bytes.count && Array(bytes[position..<(position + p.count)]) == p
    }

    private func find(_ byte: UInt8, from start: Int) -> Int? {
        var i = start
        while i < bytes.count {
            if bytes[i] == byte { return i }
            i += 1
        }
        return nil
    }

    private func find(_ s: String, from start: Int) -> Int? {
        let p = Array(s.utf8)
        var i = start
        while i + p.count <= bytes.count {
            if bytes[i] == p[0] && Array(bytes[i..<(i + p.count)]) == p { return i }
            i += 1
        }
        return nil
    }

    /// `ome:Pixels` → `Pixels`.
    static func localName(_ name: String) -> String {
        if let colon = name.lastIndex(of: ":") { return String(name[name.index(after: colon)...]) }
        return name
    }

    /// Decodes `&amp; &lt; &gt; &quot; &apos;` and `&#NN;` / `&#xHH;`; unknown entities are kept as written.
    static func decodeEntities(_ s: String) -> String {
        guard s.contains("&") else { return s }
        var out = ""
        var rest = Substring(s)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semi = rest[amp...].firstIndex(of: ";"), rest.distance(from: amp, to: semi) <= 10 else {
                out += "&"
                rest = rest[rest.index(after: amp)...]
                continue
            }
            let entity = rest[rest.index(after: amp)..<semi]
            var replacement: String?
            switch entity {
            case "amp": replacement = "&"
            case "lt": replacement = "<"
            case "gt": replacement = ">"
            case "quot": replacement = "\""
            case "apos": replacement = "'"
            default:
                if entity.hasPrefix("#x") || entity.hasPrefix("#X") {
                    replacement = UInt32(entity.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map { String($0) }
                } else if entity.hasPrefix("#") {
                    replacement = UInt32(entity.dropFirst()).flatMap(Unicode.Scalar.init).map { String($0) }
                }
            }
            if let replacement {
                out += replacement
                rest = rest[rest.index(after: semi)...]
            } else {
                out += "&"
                rest = rest[rest.index(after: amp)...]
            }
        }
        return out + rest
    }

    /// Escapes text for an attribute value in double quotes.
    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }
}
