import ScopeKitCore

/// A symmetric banded similarity matrix stored as an N × (2R+1) strip: entry (i, j) for |i − j| ≤ R.
///
/// Row `i` of the strip holds `C[i][i−R] … C[i][i+R]` (column `R + (j − i)`); entries outside the matrix or
/// outside the band read as NaN, the diagonal is 1. This is the layout of the "strip" images of the Fiji
/// z-spacing plugin (width 2R+1, height N), so a strip written by Fiji loads as is.
///
/// ```swift
/// var c = try BandedMatrix(count: 100, range: 10)      // NaN band, diagonal 1
/// c[3, 5] = 0.8                                          // also sets c[5, 3]
/// let square = c.squareArray()                           // NDArray<Float> [100, 100], NaN off the band
/// let strip = c.stripArray()                             // NDArray<Float> [100, 21]
/// ```
///
/// Follows saalfeldlab/z-spacing 1.1.3 (`MatrixStripConversion`, the plugin's `createEmptyMatrix`); differs:
/// the values are `Double`, and reading outside the band returns NaN instead of needing an extended view.
///
/// - Complexity: O(1) element access; O(N·R) storage.
public struct BandedMatrix: Sendable, Equatable {
    /// The number of sections N (rows and columns of the square matrix).
    public let count: Int
    /// The half-width R of the band: entries with |i − j| ≤ R are stored.
    public let range: Int
    /// The strip, row-major, `count × (2·range + 1)`.
    public private(set) var values: [Double]

    /// The strip width 2R + 1.
    @inlinable public var width: Int { 2 * range + 1 }

    /// Creates an N × N matrix with NaN in the band and 1 on the diagonal.
    ///
    /// - Parameters:
    ///   - count: the number of sections (≥ 0).
    ///   - range: the band half-width (≥ 0); values above `count − 1` are clamped to `count − 1`.
    /// - Throws: ``ScopeKitError/usage(_:)`` for a negative count or range.
    public init(count: Int, range: Int) throws {
        guard count >= 0 else { throw ScopeKitError.usage("negative section count \(count)") }
        guard range >= 0 else { throw ScopeKitError.usage("negative similarity range \(range)") }
        self.count = count
        self.range = Swift.max(0, Swift.min(range, count - 1))
        let w = 2 * self.range + 1
        var v = [Double](repeating: .nan, count: count * w)
        for i in 0..<count { v[i * w + self.range] = 1 }
        values = v
    }

    /// Creates a matrix from strip values (row-major N × (2R+1)); the caller guarantees symmetry.
    init(count: Int, range: Int, strip: [Double]) {
        self.count = count
        self.range = range
        values = strip
    }

    /// The entry (i, j): NaN outside the matrix or the band. Setting (i, j) also sets (j, i).
    public subscript(i: Int, j: Int) -> Double {
        get {
            let d = j - i
            guard i >= 0, i < count, j >= 0, j < count, d >= -range, d <= range else { return .nan }
            return values[i * width + range + d]
        }
        set {
            let d = j - i
            precondition(i >= 0 && i < count && j >= 0 && j < count && d >= -range && d <= range,
                         "BandedMatrix: (\(i), \(j)) outside the band of range \(range)")
            values[i * width + range + d] = newValue
            values[j * width + range - d] = newValue
        }
    }

    // MARK: Conversion

    /// Reads a square N × N similarity matrix, keeping the band |i − j| ≤ `range`.
    ///
    /// The matrix is symmetrised as (C + Cᵀ)/2 where both halves are finite (a finite half wins over a NaN
    /// one); the diagonal is set to 1.
    ///
    /// - Parameters:
    ///   - square: a 2-D array of shape [N, N].
    ///   - range: the band to keep; `nil` keeps everything (R = N − 1).
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` when the array is not square and 2-D.
    public init<T: ArrayElement & BinaryFloatingPoint>(square: NDArray<T>, range: Int? = nil) throws {
        guard square.rank == 2, square.shape[0] == square.shape[1] else {
            throw ScopeKitError.badInput("a similarity matrix must be square 2-D, got shape \(square.shape)")
        }
        let n = square.shape[0]
        try self.init(count: n, range: range ?? Swift.max(n - 1, 0))
        let r = self.range, w = width
        square.withUnsafeBufferPointer { p in
            for i in 0..<n {
                for d in 1...Swift.max(r, 1) where d <= r && i + d < n {
                    let a = Double(p[i * n + i + d]), b = Double(p[(i + d) * n + i])
                    let v = a.isNaN ? b : (b.isNaN ? a : (a + b) / 2)
                    values[i * w + r + d] = v
                    values[(i + d) * w + r - d] = v
                }
            }
        }
    }

    /// Reads a strip image of shape [N, 2R+1] (odd width, the diagonal in the middle column).
    ///
    /// Each pair is read from both of its strip entries, as (a + b)/2 where both are finite; the diagonal
    /// is set to 1.
    ///
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` when the shape is not [N, odd width].
    public init<T: ArrayElement & BinaryFloatingPoint>(strip: NDArray<T>) throws {
        guard strip.rank == 2, strip.shape[1] % 2 == 1 else {
            throw ScopeKitError.badInput("a similarity strip must be 2-D [N, 2R+1] with odd width, got shape \(strip.shape)")
        }
        let n = strip.shape[0], stripWidth = strip.shape[1], stripRange = stripWidth / 2
        try self.init(count: n, range: stripRange)
        let r = self.range, w = width
        strip.withUnsafeBufferPointer { p in
            for i in 0..<n {
                for d in 1...Swift.max(r, 1) where d <= r && i + d < n {
                    let a = Double(p[i * stripWidth + stripRange + d])
                    let b = Double(p[(i + d) * stripWidth + stripRange - d])
                    let v = a.isNaN ? b : (b.isNaN ? a : (a + b) / 2)
                    values[i * w + r + d] = v
                    values[(i + d) * w + r - d] = v
                }
            }
        }
    }

    /// Reads a similarity matrix image the way the Fiji plugin does: divided by its largest finite value
    /// (diagonal included), then square ⇒ matrix, otherwise strip.
    ///
    /// - Parameters:
    ///   - image: the matrix or strip (any dtype; converted to `Double`).
    ///   - range: for a square matrix, the band to keep (default: everything).
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` for a shape that is neither.
    public init(similarityImage image: AnyArray, range: Int? = nil) throws {
        var plane = image.asFloat64()
        if plane.rank == 3 && plane.shape[0] == 1 { plane = plane.reshaped(Array(plane.shape.dropFirst())) }
        guard plane.rank == 2 else {
            throw ScopeKitError.badInput("a similarity matrix must be one 2-D image, got shape \(image.shape)")
        }
        // Fiji's `normalize`: divide the whole image (diagonal included) by its largest finite value.
        var maximum = -Double.infinity
        plane.withUnsafeBufferPointer { p in for v in p where v.isFinite { maximum = Swift.max(maximum, v) } }
        if maximum.isFinite && maximum > 0 && maximum != 1 { plane = plane.map { $0 / maximum } }
        self = plane.shape[0] == plane.shape[1] ? try BandedMatrix(square: plane, range: range)
                                                : try BandedMatrix(strip: plane)
    }

    /// Matrices are equal when count, range and every entry are equal, NaN matching NaN.
    public static func == (a: BandedMatrix, b: BandedMatrix) -> Bool {
        guard a.count == b.count, a.range == b.range else { return false }
        return zip(a.values, b.values).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
    }

    /// The square N × N matrix as `Float`, NaN outside the band.
    ///
    /// - Complexity: O(N²) memory.
    public func squareArray() -> NDArray<Float> {
        let n = count, r = range, w = width
        return NDArray<Float>(unsafeUninitializedShape: [n, n]) { p in
            for k in 0..<p.count { p[k] = .nan }
            for i in 0..<n {
                for d in -r...r where i + d >= 0 && i + d < n {
                    p[i * n + i + d] = Float(values[i * w + r + d])
                }
            }
        }
    }

    /// The strip N × (2R+1) as `Float` (Fiji's strip layout).
    public func stripArray() -> NDArray<Float> {
        NDArray<Float>(values.map { Float($0) }, shape: [count, width])
    }
}
