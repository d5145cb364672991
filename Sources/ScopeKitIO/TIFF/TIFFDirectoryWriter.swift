import ScopeKitCore

/// Serialises one little-endian IFD (classic or BigTIFF) with its out-of-line values.
struct TIFFDirectoryWriter {
    enum Value {
        case shorts([UInt16])
        case longs([UInt32])
        case long8s([UInt64])
        case rationals([(UInt32, UInt32)])
        case ascii(String)

        var type: UInt16 {
            switch self {
            case .shorts: 3
            case .longs: 4
            case .long8s: 16
            case .rationals: 5
            case .ascii: 2
            }
        }

        var count: Int {
            switch self {
            case .shorts(let v): v.count
            case .longs(let v): v.count
            case .long8s(let v): v.count
            case .rationals(let v): v.count
            case .ascii(let s): s.utf8.count + 1
            }
        }

        var bytes: [UInt8] {
            var out: [UInt8] = []
            func put<T: FixedWidthInteger>(_ x: T) { withUnsafeBytes(of: x.littleEndian) { out.append(contentsOf: $0) } }
            switch self {
            case .shorts(let v): v.forEach(put)
            case .longs(let v): v.forEach(put)
            case .long8s(let v): v.forEach(put)
            case .rationals(let v): for (n, d) in v { put(n); put(d) }
            case .ascii(let s): out.append(contentsOf: s.utf8); out.append(0)
            }
            return out
        }
    }

    let bigTIFF: Bool
    private(set) var entries: [(tag: UInt16, value: Value)] = []

    init(bigTIFF: Bool) { self.bigTIFF = bigTIFF }

    mutating func add(_ tag: UInt16, _ value: Value) { entries.append((tag, value)) }

    /// An offset-sized integer array (LONG classic, LONG8 BigTIFF).
    func offsets(_ values: [Int]) -> Value {
        bigTIFF ? .long8s(values.map { UInt64($0) }) : .longs(values.map { UInt32(truncatingIfNeeded: $0) })
    }

    private var inlineSize: Int { bigTIFF ? 8 : 4 }

    /// The serialised size: IFD plus out-of-line values (each padded to an even length).
    var byteCount: Int {
        let fixed = (bigTIFF ? 8 : 2) + entries.count * (bigTIFF ? 20 : 12) + (bigTIFF ? 8 : 4)
        return fixed + entries.reduce(0) { total, e in
            let n = e.value.bytes.count
            return total + (n > inlineSize ? (n + 1) & ~1 : 0)
        }
    }

    /// The IFD placed at file offset `offset`, pointing to `next` (0 = last).
    func serialise(at offset: Int, next: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(byteCount)
        func put<T: FixedWidthInteger>(_ x: T) { withUnsafeBytes(of: x.littleEndian) { out.append(contentsOf: $0) } }
        let sorted = entries.sorted { $0.tag < $1.tag }
        if bigTIFF { put(UInt64(sorted.count)) } else { put(UInt16(sorted.count)) }
        var extra: [UInt8] = []
        let extraStart = offset + (bigTIFF ? 8 : 2) + sorted.count * (bigTIFF ? 20 : 12) + (bigTIFF ? 8 : 4)
        for e in sorted {
            put(e.tag)
            put(e.value.type)
            if bigTIFF { put(UInt64(e.value.count)) } else { put(UInt32(e.value.count)) }
            var bytes = e.value.bytes
            if bytes.count <= inlineSize {
                bytes += [UInt8](repeating: 0, count: inlineSize - bytes.count)
                out.append(contentsOf: bytes)
            } else {
                let at = extraStart + extra.count
                if bigTIFF { put(UInt64(at)) } else { put(UInt32(at)) }
                extra.append(contentsOf: bytes)
                if extra.count & 1 == 1 { extra.append(0) }
            }
        }
        if bigTIFF { put(UInt64(next)) } else { put(UInt32(truncatingIfNeeded: next)) }
        out.append(contentsOf: extra)
        return out
    }
}
