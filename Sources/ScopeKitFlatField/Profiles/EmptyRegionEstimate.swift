import Foundation
import ScopeKitCore

/// Options of the flat-field estimate from empty tiles and/or empty z-ranges (mesoSPIM task, "empty FOV").
public struct EmptyRegionOptions: Sendable, Equatable {
    /// 1-based numbers of empty tiles (inverted-N order); `nil` with ``zLevels`` set means the four corner
    /// tiles of the grid.
    public var tiles: [Int]?
    /// Empty z-ranges: planes with z < low or z > high are sampled (0-based; the task's documented meaning,
    /// not its code's). `nil` samples every plane of the chosen tiles.
    public var zLevels: (low: Int, high: Int)?
    /// Planes to sample in all (task `n_zplanes`, default 200).
    public var planes: Int = 200
    /// Gaussian σ in pixels for the median flat-field (default 1; 0 = none).
    public var sigma: Double = 1
    /// Seed of the plane choice.
    public var seed: UInt64 = 0
    /// Memory for the sampled planes (default 1 GiB): more planes are processed in bands of rows, each band
    /// re-reading the planes.
    public var memoryBudget: Int = 1 << 30

    /// Defaults: no tiles, no z-levels (set at least one), 200 planes, σ = 1, seed 0.
    public init(tiles: [Int]? = nil, zLevels: (low: Int, high: Int)? = nil) {
        self.tiles = tiles
        self.zLevels = zLevels
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.tiles == b.tiles && a.zLevels?.low == b.zLevels?.low && a.zLevels?.high == b.zLevels?.high
            && a.planes == b.planes && a.sigma == b.sigma && a.seed == b.seed && a.memoryBudget == b.memoryBudget
    }
}

/// What the empty-region estimate used.
public struct EmptyRegionReport: Sendable, Equatable, Codable {
    /// The tiles sampled (1-based), in order.
    public var tiles: [Int]
    /// Every sampled plane.
    public var samples: [SampledPlane]
    /// The task's baseline: round(1st percentile of sampled[:, ::4, ::4] / flat-field).
    public var baseline: Double
    /// Bands of rows the median was computed in (1 when everything fitted in the memory budget).
    public var bands: Int
}

/// Flat-field from planes that show no sample (empty tiles, or z-planes outside the specimen).
///
/// Follows the mesoSPIM task's empty-FOV model with its bugs fixed (see the spec): planes are chosen with
/// ``PlaneSampling/roundRobin(candidates:count:seed:)``; the flat-field is the per-pixel median of the planes
/// (mean of the two middle values for an even count, as `numpy.median`), smoothed with
/// ``GaussianSmoothing/reflect(_:sigma:)`` and divided by its mean. No dark-field is estimated (a camera
/// offset stays in the flat-field, as in the task). The baseline is the task's
/// `round(percentile(stack[:, ::4, ::4] / (flat + 1e-6), 1))`, stored as a scalar; it is used only when
/// baseline subtraction is asked for.
///
/// ```swift
/// var o = EmptyRegionOptions(tiles: [1, 4])
/// let (profiles, report) = try EmptyRegionEstimate.estimate(channel, options: o)
/// ```
///
/// - Complexity: O(n · P) reads and copies for n planes of P pixels, O(n · P) median selection; memory
///   min(n · P, budget) floats.
public enum EmptyRegionEstimate {
    /// Estimates the profiles of `channel`.
    ///
    /// - Parameters:
    ///   - grid: the tile grid, needed for the corner default.
    ///   - progress: advanced once per plane read.
    /// - Throws: ``ScopeKitError/usage(_:)`` for neither tiles nor z-levels, an empty tile list, a tile outside
    ///   the grid, z-levels outside a tile's stack or selecting no plane, corners without a grid;
    ///   ``ScopeKitError/badInput(_:file:)`` for NaN/∞ in a plane or all-zero planes.
    public static func estimate(_ channel: FlatFieldChannel, grid: TileGrid? = nil, options o: EmptyRegionOptions,
                                progress: WorkProgress? = nil) throws -> (FlatFieldProfiles, EmptyRegionReport) {
        let samples = try choosePlanes(channel, grid: grid, options: o)
        let rows = channel.planeShape[0], cols = channel.planeShape[1], p = rows * cols
        let n = samples.count
        let bandRows = Swift.max(1, Swift.min(rows, o.memoryBudget / Swift.max(1, n * cols * 4)))
        let bands = (rows + bandRows - 1) / bandRows
        var median = [Float](repeating: 0, count: p)
        // Sub-sampled raw values (rows and columns 0, 4, 8, …) for the baseline.
        let subRows = (rows + 3) / 4, subCols = (cols + 3) / 4
        var sub = [Float](repeating: 0, count: n * subRows * subCols)
        var buffer = [Float](repeating: 0, count: n * bandRows * cols)
        for band in 0..<bands {
            let r0 = band * bandRows, r1 = Swift.min(rows, r0 + bandRows), bp = (r1 - r0) * cols
            var k = 0
            while k < n {
                let tile = try channel.tile(samples[k].tile)
                let reader = try tile.open()
                while k < n, samples[k].tile == tile.number {
                    let plane = try reader.readPlane(samples[k].z).asFloat32()
                    try plane.withUnsafeBufferPointer { src in
                        for i in (r0 * cols)..<(r1 * cols) where !src[i].isFinite {
                            throw ScopeKitError.badInput("plane z=\(samples[k].z) of tile \(tile.number) holds "
                                + "\(src[i]) at [\(i / cols), \(i % cols)]; empty regions must be finite",
                                file: tile.url.path)
                        }
                        buffer.withUnsafeMutableBufferPointer { b in
                            (b.baseAddress! + k * bp).update(from: src.baseAddress! + r0 * cols, count: bp)
                        }
                        if band == 0 {
                            for r in stride(from: 0, to: rows, by: 4) {
                                for c in stride(from: 0, to: cols, by: 4) {
                                    sub[(k * subRows + r / 4) * subCols + c / 4] = src[r * cols + c]
                                }
                            }
                        }
                    }
                    if band == 0 { progress?.advance() }
                    k += 1
                }
            }
            pixelMedian(buffer, planes: n, pixels: bp, into: &median, at: r0 * cols)
        }
        var flat = GaussianSmoothing.reflect(NDArray(median, shape: [rows, cols]), sigma: o.sigma)
        let mean = flat.withUnsafeBufferPointer { $0.reduce(0.0) { $0 + Double($1) } } / Double(p)
        guard mean > 0, mean.isFinite else {
            throw ScopeKitError.badInput("the sampled planes are zero (or negative) on average; "
                                         + "the flat-field cannot be normalised")
        }
        flat.withUnsafeMutableBufferPointer { f in for i in f.indices { f[i] = Float(Double(f[i]) / mean) } }
        guard flat.elements.allSatisfy({ $0 > 0 }) else {
            throw ScopeKitError.badInput("the median of the sampled planes is zero or negative somewhere; "
                                         + "these regions cannot give a flat-field (are they empty and lit?)")
        }
        // Baseline: 1st percentile of sub-sampled values divided by the flat-field.
        flat.withUnsafeBufferPointer { f in
            for k in 0..<n {
                for r in 0..<subRows {
                    for c in 0..<subCols {
                        sub[(k * subRows + r) * subCols + c] /= f[(4 * r) * cols + 4 * c] + 1e-6
                    }
                }
            }
        }
        let base = try NDArray(sub, shape: [sub.count]).percentile(1).rounded(.toNearestOrEven)
        let profiles = try FlatFieldProfiles(flatfield: flat, darkfield: nil, baseline: .scalar(base))
        var tiles: [Int] = []
        for s in samples where tiles.last != s.tile { tiles.append(s.tile) }
        return (profiles, EmptyRegionReport(tiles: tiles, samples: samples, baseline: base, bands: bands))
    }

    /// The planes the estimate reads (validates the options).
    public static func choosePlanes(_ channel: FlatFieldChannel, grid: TileGrid?, options o: EmptyRegionOptions) throws
        -> [SampledPlane] {
        guard o.tiles != nil || o.zLevels != nil else {
            throw ScopeKitError.usage("empty-region estimate needs a tile (FOV) list and/or z-levels")
        }
        guard o.planes >= 1 else { throw ScopeKitError.usage("the number of planes must be ≥ 1, got \(o.planes)") }
        guard o.sigma >= 0, o.sigma.isFinite, o.sigma <= 1000 else {
            throw ScopeKitError.usage("sigma must be in 0…1000 pixels, got \(o.sigma)")
        }
        let tiles: [Int]
        if let list = o.tiles {
            guard !list.isEmpty else { throw ScopeKitError.usage("the FOV list is empty") }
            let limit = grid?.count ?? channel.tiles.count
            for t in list where t < 1 || t > limit {
                throw ScopeKitError.usage("FOV \(t) is outside the grid (tiles 1…\(limit)); FOV numbers start at 1")
            }
            var seen = Set<Int>()
            tiles = list.filter { seen.insert($0).inserted }
        } else {
            guard let grid else {
                throw ScopeKitError.usage("z-levels without a FOV list use the four corner tiles, which need a grid "
                                          + "(give the grid or a tile configuration)")
            }
            tiles = grid.corners
        }
        var candidates: [(tile: Int, planes: [Int])] = []
        for t in tiles {
            let tile = try channel.tile(t)
            var planes = Array(0..<tile.planeCount)
            if let z = o.zLevels {
                let (low, high) = (Swift.min(z.low, z.high), Swift.max(z.low, z.high))
                guard low >= 0, high < tile.planeCount else {
                    throw ScopeKitError.usage("z-levels (\(z.low), \(z.high)) are outside the stack of tile \(t) "
                                              + "(z 0…\(tile.planeCount - 1))")
                }
                planes = planes.filter { $0 < low || $0 > high }
            }
            candidates.append((t, planes))
        }
        let samples = PlaneSampling.roundRobin(candidates: candidates, count: o.planes, seed: o.seed)
        guard !samples.isEmpty else {
            throw ScopeKitError.usage("the z-levels select no plane (planes below low or above high are sampled)")
        }
        return samples
    }

    /// Per-pixel median of `planes` × `pixels` values, written to `out[offset...]`.
    static func pixelMedian(_ buffer: [Float], planes n: Int, pixels: Int, into out: inout [Float], at offset: Int) {
        buffer.withUnsafeBufferPointer { b in
            let bp = UncheckedSendable(b.baseAddress!)
            out.withUnsafeMutableBufferPointer { o in
                let op = UncheckedSendable(o.baseAddress! + offset)
                Parallel.forEachChunk(0..<pixels, minimumChunk: 4096) { chunk in
                    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: n)
                    defer { scratch.deallocate() }
                    for x in chunk {
                        for k in 0..<n { scratch[k] = bp.value[k * pixels + x] }
                        op.value[x] = medianInPlace(scratch, n)
                    }
                }
            }
        }
    }

    /// `numpy.median` of n finite values (reorders them): the middle value, or the mean of the two middle ones.
    @inlinable
    static func medianInPlace(_ a: UnsafeMutablePointer<Float>, _ n: Int) -> Float {
        let k = n / 2
        var lo = 0, hi = n - 1
        while lo < hi {
            let pivot = a[(lo + hi) / 2]
            var i = lo, j = hi
            while i <= j {
                while a[i] < pivot { i += 1 }
                while a[j] > pivot { j -= 1 }
                if i <= j { a.swapAt(i, j); i += 1; j -= 1 }
            }
            if k <= j { hi = j } else if k >= i { lo = i } else { break }
        }
        let upper = a[k]
        guard n % 2 == 0 else { return upper }
        var lower = -Float.infinity
        for i in 0..<k where a[i] > lower { lower = a[i] }
        return (lower + upper) / 2
    }
}

extension UnsafeMutablePointer where Pointee == Float {
    @inlinable func swapAt(_ i: Int, _ j: Int) { let t = self[i]; self[i] = self[j]; self[j] = t }
}
