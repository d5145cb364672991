#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Raw, zero-filled memory for array buffers.
///
/// Small buffers come from `calloc` (64-byte aligned by `posix_memalign` + `memset`); buffers of 4 MiB or more
/// are anonymous memory maps, which the kernel hands out already zeroed (no extra pass), aligned to 2 MiB with
/// transparent huge pages requested — first-touch page faults of a large image read straight into a new array
/// then cost several times less on Linux.
@usableFromInline
enum ArrayMemory {
    @usableFromInline static let hugeThreshold = 4 << 20
    @usableFromInline static let hugeAlignment = 2 << 20

    /// A zero-filled block of at least `bytes` bytes; `mappedBytes` is non-zero for memory maps.
    @usableFromInline
    static func allocateZeroed(bytes: Int) -> (base: UnsafeMutableRawPointer, pointer: UnsafeMutableRawPointer,
                                              mappedBytes: Int) {
        #if os(Linux)
        if bytes >= hugeThreshold {
            let length = bytes + hugeAlignment
            let base = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
            if let base, base != MAP_FAILED {
                let address = (Int(bitPattern: base) + hugeAlignment - 1) / hugeAlignment * hugeAlignment
                let aligned = UnsafeMutableRawPointer(bitPattern: address)!
                _ = madvise(aligned, bytes, 14 /* MADV_HUGEPAGE */)
                return (base, aligned, length)
            }
        }
        #endif
        var raw: UnsafeMutableRawPointer?
        guard posix_memalign(&raw, 64, Swift.max(bytes, 1)) == 0, let p = raw else {
            fatalError("ScopeKit: cannot allocate \(bytes) bytes")
        }
        memset(p, 0, bytes)
        return (p, p, 0)
    }

    @usableFromInline
    static func release(base: UnsafeMutableRawPointer, mappedBytes: Int) {
        #if os(Linux)
        if mappedBytes > 0 {
            munmap(base, mappedBytes)
            return
        }
        #endif
        free(base)
    }
}

/// The heap buffer behind one or more ``NDArray`` values.
///
/// One zero-filled allocation, never resized. Arrays that share a buffer (copies, frame views) copy on their
/// first write when the buffer is not uniquely referenced.
@usableFromInline
final class ArrayBuffer<Element: ArrayElement>: @unchecked Sendable {
    @usableFromInline let pointer: UnsafeMutablePointer<Element>
    @usableFromInline let count: Int
    @usableFromInline let base: UnsafeMutableRawPointer
    @usableFromInline let mappedBytes: Int

    /// A buffer of `count` elements whose bytes are all zero (every element type is trivial, so zero bytes are
    /// valid values: 0, false, +0.0).
    @usableFromInline
    init(zeroedCount count: Int) {
        self.count = count
        let block = ArrayMemory.allocateZeroed(bytes: count * MemoryLayout<Element>.stride)
        base = block.base
        mappedBytes = block.mappedBytes
        pointer = block.pointer.bindMemory(to: Element.self, capacity: Swift.max(count, 1))
    }

    @usableFromInline
    convenience init(repeating value: Element, count: Int) {
        self.init(zeroedCount: count)
        pointer.update(repeating: value, count: count)
    }

    deinit {
        ArrayMemory.release(base: base, mappedBytes: mappedBytes)
    }
}

/// An N-dimensional array of one element type: contiguous, row-major (C order), with value semantics.
///
/// The axis order is slowest first: a 2-D image is `[row, col]`, a stack `[frame, row, col]`, a 4-D dataset
/// `[scanY, scanX, row, col]` or `[tile, z, row, col]`. Copies share storage until one of them is written
/// (copy-on-write, checked once per `withUnsafeMutableBufferPointer` call, never per element). A frame of a
/// stack (``frame(_:)``) is a view into the same storage, made without copying.
///
/// Calibration (pixel size, origin and unit per axis, intensity scale) and free-form metadata travel with the
/// array from reader to writer.
///
/// ```swift
/// var image = NDArray<Float>(zeros: [256, 256])
/// image[10, 20] = 1
/// image.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] += 1 } }
/// let stack = NDArray<UInt16>(zeros: [100, 512, 512])
/// let fifth = stack.frame(4)          // [512, 512], no copy
/// ```
///
/// - Complexity: element access is O(1); the first write to a shared array copies it, O(count).
public struct NDArray<Element: ArrayElement>: @unchecked Sendable {
    @usableFromInline var buffer: ArrayBuffer<Element>
    /// Offset of the first element inside `buffer` (non-zero for frame views).
    @usableFromInline var start: Int
    /// The extent of each axis, slowest first.
    public private(set) var shape: [Int]
    /// Physical calibration of the axes and the intensities.
    public var calibration: Calibration
    /// Free-form key/value metadata from the file (kept in file order).
    public var metadata: Metadata

    /// The number of elements (the product of ``shape``).
    public private(set) var count: Int

    /// The number of axes.
    @inlinable public var rank: Int { shape.count }
    /// The element type's run-time tag.
    @inlinable public var dtype: DType { Element.dtype }

    // MARK: Creation

    /// Creates an array of the given shape filled with `value`.
    ///
    /// - Precondition: every extent is ≥ 0 and the element count fits in memory addressing.
    @inlinable
    public init(repeating value: Element, shape: [Int], calibration: Calibration? = nil,
                metadata: Metadata = Metadata()) {
        let n = NDArray.elementCount(shape)
        self.init(buffer: ArrayBuffer(repeating: value, count: n), start: 0, shape: shape, count: n,
                  calibration: calibration ?? Calibration(rank: shape.count), metadata: metadata)
    }

    /// Creates an array of zeros.
    @inlinable
    public init(zeros shape: [Int]) { self.init(repeating: .zero, shape: shape) }

    /// Creates an array from elements in C order.
    ///
    /// - Precondition: `elements.count` equals the product of `shape`.
    public init<C: Collection>(_ elements: C, shape: [Int]) where C.Element == Element {
        let n = NDArray.elementCount(shape)
        precondition(elements.count == n, "NDArray: \(elements.count) elements for shape \(shape)")
        buffer = ArrayBuffer(zeroedCount: n)
        _ = UnsafeMutableBufferPointer(start: buffer.pointer, count: n).update(fromContentsOf: elements)
        start = 0
        self.shape = shape
        count = n
        calibration = Calibration(rank: shape.count)
        metadata = [:]
    }

    /// Creates an array whose elements are written once by `initializer`.
    ///
    /// The buffer passed to `initializer` starts zero-filled (large buffers come zeroed from the kernel at no
    /// extra cost), so elements the closure leaves alone are 0. This is the copy-free way to fill a new array
    /// from a file or a kernel.
    ///
    /// - Complexity: O(count) for the allocation plus whatever `initializer` does.
    @inlinable
    public init(unsafeUninitializedShape shape: [Int],
                initializingWith initializer: (UnsafeMutableBufferPointer<Element>) throws -> Void) rethrows {
        let n = NDArray.elementCount(shape)
        let b = ArrayBuffer<Element>(zeroedCount: n)
        try initializer(UnsafeMutableBufferPointer(start: b.pointer, count: n))
        self.init(buffer: b, start: 0, shape: shape, count: n, calibration: Calibration(rank: shape.count),
                  metadata: Metadata())
    }

    @usableFromInline
    init(buffer: ArrayBuffer<Element>, start: Int, shape: [Int], count: Int,
         calibration: Calibration, metadata: Metadata) {
        self.buffer = buffer
        self.start = start
        self.shape = shape
        self.count = count
        self.calibration = calibration
        self.metadata = metadata
    }

    /// The element count of a shape, trapping on negative extents or overflow.
    @inlinable
    public static func elementCount(_ shape: [Int]) -> Int {
        var n = 1
        for s in shape {
            precondition(s >= 0, "NDArray: negative extent in shape \(shape)")
            let (m, overflow) = n.multipliedReportingOverflow(by: s)
            precondition(!overflow, "NDArray: shape \(shape) overflows")
            n = m
        }
        return n
    }

    // MARK: Raw access

    /// Calls `body` with a read-only pointer to the elements in C order.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Element>) throws -> R) rethrows -> R {
        try withExtendedLifetime(buffer) {
            try body(UnsafeBufferPointer(start: buffer.pointer + start, count: count))
        }
    }

    /// Calls `body` with a mutable pointer to the elements in C order, copying first if the storage is shared.
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Element>) throws -> R
    ) rethrows -> R {
        makeUnique()
        return try withExtendedLifetime(buffer) {
            try body(UnsafeMutableBufferPointer(start: buffer.pointer + start, count: count))
        }
    }

    /// Makes the storage uniquely owned and exactly as large as this array (drops views' extra storage).
    @inlinable
    public mutating func makeUnique() {
        if isKnownUniquelyReferenced(&buffer) && start == 0 && buffer.count == count { return }
        let b = ArrayBuffer<Element>(zeroedCount: count)
        b.pointer.update(from: buffer.pointer + start, count: count)
        buffer = b
        start = 0
    }

    /// The elements in C order as a Swift array (a copy).
    public var elements: [Element] { withUnsafeBufferPointer { Array($0) } }

    // MARK: Element access

    /// The flat (C-order) index of a multi-index.
    @inlinable
    public func flatIndex(_ index: [Int]) -> Int {
        precondition(index.count == shape.count, "NDArray: \(index.count) indices for rank \(shape.count)")
        var flat = 0
        for (i, s) in zip(index, shape) {
            precondition(i >= 0 && i < s, "NDArray: index \(index) out of bounds for shape \(shape)")
            flat = flat * s + i
        }
        return flat
    }

    /// The element at a flat (C-order) position.
    @inlinable
    public subscript(flat i: Int) -> Element {
        get {
            precondition(i >= 0 && i < count, "NDArray: flat index \(i) out of bounds (\(count))")
            return buffer.pointer[start + i]
        }
        set {
            precondition(i >= 0 && i < count, "NDArray: flat index \(i) out of bounds (\(count))")
            makeUnique()
            buffer.pointer[i] = newValue
        }
    }

    /// The element at a multi-index (one index per axis).
    @inlinable
    public subscript(_ index: Int...) -> Element {
        get { self[flat: flatIndex(index)] }
        set { self[flat: flatIndex(index)] = newValue }
    }

    // MARK: Shape

    /// The same elements with another shape of equal element count (no copy).
    ///
    /// Calibration is kept for trailing axes whose extents did not change; other axes get defaults.
    public func reshaped(_ newShape: [Int]) -> NDArray {
        precondition(NDArray.elementCount(newShape) == count, "NDArray: cannot reshape \(shape) to \(newShape)")
        var r = self
        r.shape = newShape
        r.calibration = calibration.reshaped(from: shape, to: newShape)
        return r
    }

    /// The number of frames: the extent of the first axis for rank ≥ 3, or 1 for a 2-D image.
    @inlinable public var frameCount: Int { rank >= 3 ? shape[0] : 1 }

    /// The shape of one frame: the last two axes for rank ≥ 2.
    @inlinable public var frameShape: [Int] { rank >= 3 ? Array(shape.dropFirst()) : shape }

    /// Sub-array `i` along the first axis, sharing storage (no copy).
    ///
    /// For a stack `[frames, rows, cols]` this is frame `i` as a `[rows, cols]` image; for a 4-D array it is a
    /// 3-D array. A 2-D array's frame 0 is itself.
    ///
    /// - Complexity: O(rank); no element is copied until the view is written.
    public func frame(_ i: Int) -> NDArray {
        if rank < 3 {
            precondition(i == 0, "NDArray: frame \(i) of a \(rank)-D array")
            return self
        }
        precondition(i >= 0 && i < shape[0], "NDArray: frame \(i) out of 0..<\(shape[0])")
        var r = self
        let frameCount = count / shape[0]
        r.shape = Array(shape.dropFirst())
        r.start = start + i * frameCount
        r.calibration = calibration.droppingFirstAxis()
        r.count = frameCount
        return r
    }

    /// Replaces frame `i` (along the first axis) with `newFrame`.
    public mutating func setFrame(_ i: Int, to newFrame: NDArray) {
        let inner = rank >= 3 ? Array(shape.dropFirst()) : shape
        precondition(newFrame.shape == inner, "NDArray: frame of shape \(newFrame.shape) into \(shape)")
        let n = newFrame.count
        withUnsafeMutableBufferPointer { dst in
            newFrame.withUnsafeBufferPointer { src in
                (dst.baseAddress! + i * n).update(from: src.baseAddress!, count: n)
            }
        }
    }

    /// Stacks arrays of equal shape along a new first axis.
    public init(stacking frames: [NDArray]) {
        precondition(!frames.isEmpty, "NDArray: stacking no frames")
        let inner = frames[0].shape
        for f in frames { precondition(f.shape == inner, "NDArray: stacking \(f.shape) with \(inner)") }
        let n = frames[0].count
        self.init(unsafeUninitializedShape: [frames.count] + inner) { dst in
            for (k, f) in frames.enumerated() {
                f.withUnsafeBufferPointer { src in
                    if n > 0 { (dst.baseAddress! + k * n).update(from: src.baseAddress!, count: n) }
                }
            }
        }
        calibration = frames[0].calibration.prependingAxis(AxisCalibration(name: "frame"))
        metadata = frames[0].metadata
    }

    // MARK: Element-wise

    /// A new array with `transform` applied to every element (calibration and metadata kept).
    @inlinable
    public func map<T: ArrayElement>(_ transform: (Element) throws -> T) rethrows -> NDArray<T> {
        var r = try withUnsafeBufferPointer { src in
            try NDArray<T>(unsafeUninitializedShape: shape) { dst in
                for i in 0..<src.count { dst[i] = try transform(src[i]) }
            }
        }
        r.calibration = calibration
        r.metadata = metadata
        return r
    }
}

extension NDArray: Equatable {
    /// Arrays are equal when shapes and elements are equal (calibration and metadata are not compared).
    public static func == (a: NDArray, b: NDArray) -> Bool {
        guard a.shape == b.shape else { return false }
        return a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in x.elementsEqual(y) } }
    }
}

extension NDArray: CustomStringConvertible {
    public var description: String { "NDArray<\(dtype)>\(shape)" }
}
