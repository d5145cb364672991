import ScopeKitCore

/// The header of a NumPy `.npy` file: element type, byte order, memory order and shape.
///
/// Reading follows the format NumPy documents in `numpy.lib.format`: the magic `\x93NUMPY`, a version
/// (1.0: 2-byte header length, latin-1; 2.0: 4-byte length; 3.0: 4-byte length, UTF-8), and a Python dict
/// literal with the keys `'descr'`, `'fortran_order'` and `'shape'`. The dict is parsed by a small literal
/// reader, never evaluated. Writing produces the bytes `numpy.save` writes (version 1.0 unless the header
/// needs more than 65535 bytes, keys sorted, 21-digit growth space, padded with spaces and a newline so the
/// data start on a 64-byte boundary).
///
/// ```swift
/// let header = NPYHeader(dtype: .float32, shape: [64, 512, 512])
/// header.encoded().count        // 128: the data start at byte 128
/// ```
public struct NPYHeader: Sendable, Equatable {
    /// The element type.
    public var dtype: DType
    /// True when multi-byte elements are stored big-endian (`'>'` descriptors).
    public var bigEndian: Bool
    /// True when the data are in Fortran (column-major) order.
    public var fortranOrder: Bool
    /// The array shape, slowest axis first (C order), `[]` for a 0-d array.
    public var shape: [Int]
    /// The format version `(major, minor)`: (1, 0), (2, 0) or (3, 0).
    public var version: (major: UInt8, minor: UInt8)
    /// The descriptor as the file spelled it (`"<f4"`).
    public var descriptor: String
    /// The byte offset of the first data byte (the total header length).
    public var dataOffset: Int

    /// The largest header ScopeKit reads (NumPy itself refuses more than 10 000 bytes by default).
    public static let maximumHeaderLength = 1 << 20

    /// A header for writing `dtype` data of `shape` in little-endian C order.
    public init(dtype: DType, shape: [Int]) {
        self.dtype = dtype
        self.shape = shape
        bigEndian = false
        fortranOrder = false
        descriptor = NPYHeader.descriptor(for: dtype)
        version = (1, 0)
        dataOffset = 0
        let bytes = encoded()
        dataOffset = bytes.count
        version = (bytes[6], 0)
    }

    public static func == (a: NPYHeader, b: NPYHeader) -> Bool {
        a.dtype == b.dtype && a.bigEndian == b.bigEndian && a.fortranOrder == b.fortranOrder && a.shape == b.shape
            && a.version == b.version && a.descriptor == b.descriptor && a.dataOffset == b.dataOffset
    }

    /// The number of elements (product of ``shape``; 1 for a 0-d array).
    public var elementCount: Int { shape.reduce(1, *) }

    /// The number of data bytes, or `nil` if it overflows `Int`.
    public var dataByteCount: Int? {
        var n = dtype.byteCount
        for s in shape {
            let (m, overflow) = n.multipliedReportingOverflow(by: s)
            if overflow { return nil }
            n = m
        }
        return n
    }

    // MARK: Reading

    /// The magic bytes every NPY file starts with.
    public static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY

    /// The total header length announced by the first 12 bytes (magic, version and length field).
    ///
    /// - Parameter prefix: at least the first 10 bytes (12 for versions 2 and 3).
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` for a wrong magic, an unknown version, or a header longer
    ///   than ``maximumHeaderLength``.
    static func totalHeaderLength(prefix: [UInt8]) throws -> Int {
        guard prefix.count >= 10, Array(prefix[0..<6]) == magic else {
            throw ScopeKitError.badInput(prefix.count < 10 ? "truncated NPY header" : "not an NPY file (bad magic)")
        }
        let major = prefix[6]
        let length: Int
        switch major {
        case 1:
            length = Int(prefix[8]) | Int(prefix[9]) << 8
            return 10 + length
        case 2, 3:
            guard prefix.count >= 12 else { throw ScopeKitError.badInput("truncated NPY header") }
            length = Int(prefix[8]) | Int(prefix[9]) << 8 | Int(prefix[10]) << 16 | Int(prefix[11]) << 24
            guard length <= maximumHeaderLength else {
                throw ScopeKitError.badInput("NPY header of \(length) bytes exceeds \(maximumHeaderLength)")
            }
            return 12 + length
        default:
            throw ScopeKitError.badInput("unsupported NPY format version \(major).\(prefix[7])")
        }
    }

    /// Parses a complete header (`bytes` holds at least ``totalHeaderLength(prefix:)`` bytes).
    ///
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` for a malformed dict, a missing key, an unsupported
    ///   descriptor (object, string, structured, float16, complex128, uint64…), or a negative or overflowing
    ///   shape.
    public init(parsing bytes: [UInt8]) throws {
        let total = try NPYHeader.totalHeaderLength(prefix: Array(bytes.prefix(12)))
        guard bytes.count >= total else {
            throw ScopeKitError.badInput("truncated NPY header: needs \(total) bytes, has \(bytes.count)")
        }
        let major = bytes[6]
        let start = major == 1 ? 10 : 12
        let body = bytes[start..<total]
        let text: String
        if major == 3 {
            guard let s = String(validating: body, as: UTF8.self) else {
                throw ScopeKitError.badInput("NPY 3.0 header is not valid UTF-8")
            }
            text = s
        } else {
            text = String(String.UnicodeScalarView(body.map { Unicode.Scalar($0) }))  // latin-1
        }
        guard case .dictionary(let entries) = try NPYLiteral.parse(text) else {
            throw ScopeKitError.badInput("NPY header is not a dict")
        }
        func entry(_ key: String) throws -> NPYLiteral {
            guard let e = entries.first(where: { $0.key == key }) else {
                throw ScopeKitError.badInput("NPY header lacks '\(key)'")
            }
            return e.value
        }
        let descr: String
        switch try entry("descr") {
        case .string(let s): descr = s
        case .sequence: throw ScopeKitError.badInput("structured NPY dtypes (record arrays) are not supported")
        default: throw ScopeKitError.badInput("NPY 'descr' is not a string")
        }
        guard case .boolean(let fortran) = try entry("fortran_order") else {
            throw ScopeKitError.badInput("NPY 'fortran_order' is not True or False")
        }
        guard case .sequence(let items) = try entry("shape") else {
            throw ScopeKitError.badInput("NPY 'shape' is not a tuple")
        }
        var shape: [Int] = []
        for item in items {
            guard case .integer(let n) = item else { throw ScopeKitError.badInput("NPY 'shape' holds a non-integer") }
            guard n >= 0 else { throw ScopeKitError.badInput("NPY shape has a negative extent \(n)") }
            shape.append(n)
        }
        guard shape.count <= 32 else { throw ScopeKitError.badInput("NPY shape has \(shape.count) axes (at most 32)") }
        let (dtype, bigEndian) = try NPYHeader.parseDescriptor(descr)
        self.dtype = dtype
        self.bigEndian = bigEndian
        self.fortranOrder = fortran
        self.shape = shape
        self.version = (major, bytes[7])
        self.descriptor = descr
        self.dataOffset = total
        guard dataByteCount != nil else {
            throw ScopeKitError.badInput("NPY shape \(shape) of \(dtype) overflows the address space")
        }
    }

    /// The element type and byte order of a NumPy type descriptor such as `"<f4"`, `"|b1"`, `">u2"`, `"?"`.
    ///
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` naming the unsupported type.
    public static func parseDescriptor(_ descr: String) throws -> (DType, bigEndian: Bool) {
        var code = Substring(descr).drop(while: { $0 == " " })
        while code.last == " " { code = code.dropLast() }
        var order: Character = "="
        if let first = code.first, "<>|=".contains(first) {
            order = first
            code = code.dropFirst()
        }
        let dtype: DType
        switch code {
        case "b1", "?": dtype = .bool
        case "u1", "B": dtype = .uint8
        case "i1", "b": dtype = .int8
        case "u2", "H": dtype = .uint16
        case "i2", "h": dtype = .int16
        case "u4", "I": dtype = .uint32
        case "i4", "i": dtype = .int32
        case "i8", "q": dtype = .int64
        case "f4", "f": dtype = .float32
        case "f8", "d": dtype = .float64
        case "c8", "F": dtype = .complex64
        default:
            let reason: String
            switch code.first {
            case "O": reason = "object arrays (pickled Python objects) are not supported"
            case "U", "S", "a": reason = "string arrays are not supported"
            case "V": reason = "void/structured arrays are not supported"
            case "M", "m": reason = "datetime arrays are not supported"
            default:
                let names = ["u8": "uint64", "Q": "uint64", "f2": "float16", "e": "float16", "c16": "complex128",
                             "D": "complex128", "f16": "longdouble", "g": "longdouble", "c32": "clongdouble"]
                reason = names[String(code)].map { "\($0) is not supported" } ?? "unknown type"
            }
            throw ScopeKitError.badInput("unsupported NPY dtype '\(descr)': \(reason)")
        }
        return (dtype, order == ">" && dtype.byteCount > 1)
    }

    // MARK: Writing

    /// The little-endian descriptor numpy writes for `dtype` (`"<f4"`, `"|u1"`, `"|b1"`).
    public static func descriptor(for dtype: DType) -> String {
        switch dtype {
        case .bool: "|b1"
        case .uint8: "|u1"
        case .int8: "|i1"
        case .uint16: "<u2"
        case .int16: "<i2"
        case .uint32: "<u4"
        case .int32: "<i4"
        case .int64: "<i8"
        case .float32: "<f4"
        case .float64: "<f8"
        case .complex64: "<c8"
        }
    }

    /// The header bytes `numpy.save` writes for this dtype, memory order and shape (byte order and version
    /// are chosen as numpy does: the stored descriptor, version 1.0 unless the header exceeds 65535 bytes).
    ///
    /// - Complexity: O(rank).
    public func encoded() -> [UInt8] {
        let tuple: String
        switch shape.count {
        case 0: tuple = "()"
        case 1: tuple = "(\(shape[0]),)"
        default: tuple = "(" + shape.map(String.init).joined(separator: ", ") + ")"
        }
        var text = "{'descr': '\(descriptor)', 'fortran_order': \(fortranOrder ? "True" : "False"), 'shape': \(tuple), }"
        if let growth = fortranOrder ? shape.last : shape.first {
            text += String(repeating: " ", count: max(0, 21 - String(growth).count))
        }
        let body = Array(text.utf8)
        let hlen = body.count + 1
        var wide = 10 + hlen + 64 > 65535 + 10
        var prefixLength = wide ? 12 : 10
        var pad = 64 - ((prefixLength + hlen) % 64)
        if !wide && hlen + pad > 65535 {
            wide = true
            prefixLength = 12
            pad = 64 - ((prefixLength + hlen) % 64)
        }
        let length = hlen + pad
        var out = NPYHeader.magic
        out.reserveCapacity(prefixLength + length)
        out += wide ? [2, 0] : [1, 0]
        out += wide ? [UInt8(length & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length >> 16 & 0xFF),
                       UInt8(length >> 24 & 0xFF)]
                    : [UInt8(length & 0xFF), UInt8(length >> 8)]
        out += body
        out += [UInt8](repeating: 0x20, count: pad)
        out.append(0x0A)
        return out
    }
}
