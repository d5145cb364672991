import Foundation
import ScopeKitCore
import ScopeKitIO
@testable import ScopeKitFlatField
import ScopeKitTestSupport

/// Small synthetic flat-field datasets written to temporary folders.
enum FlatFieldSamples {
    static let fixtures = TestPaths.fixtures("flatfield")

    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("scopekit-ff-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The known flat-field: 1 − 0.3·r² normalised to mean 1.
    static func flat(rows: Int, cols: Int) -> [Float] {
        var s = [Double](repeating: 0, count: rows * cols)
        for r in 0..<rows {
            for c in 0..<cols {
                let y = (Double(r) + 0.5) / Double(rows) * 2 - 1, x = (Double(c) + 0.5) / Double(cols) * 2 - 1
                s[r * cols + c] = 1 - 0.3 * (x * x + y * y)
            }
        }
        let m = s.reduce(0, +) / Double(s.count)
        return s.map { Float($0 / m) }
    }

    /// `count` tiles of `z` planes each (uint16 NPY, `[z, rows, cols]` or 2-D when z = 1): empty tiles (listed in
    /// `empty`) are `level·S + dark`, others carry a bright texture; noise relative `noise`.
    static func writeTiles(in folder: URL, count: Int, z: Int = 1, rows: Int = 24, cols: Int = 20,
                           empty: Set<Int> = [], dark: Float = 0, noise: Double = 0, seed: UInt64 = 1,
                           emptyPlanes: (Int) -> Bool = { _ in false }) throws -> [URL] {
        let s = flat(rows: rows, cols: cols)
        var g = SeededGenerator(seed: seed)
        var urls: [URL] = []
        for t in 1...count {
            var data = [UInt16](repeating: 0, count: z * rows * cols)
            for k in 0..<z {
                let isEmpty = empty.contains(t) || emptyPlanes(k)
                for i in 0..<(rows * cols) {
                    let texture = isEmpty ? 1.0 : 1 + 2 * g.nextUniform()
                    let v = 1000 * texture * Double(s[i]) * (1 + noise * g.nextGaussian()) + Double(dark)
                    data[k * rows * cols + i] = UInt16(max(0, min(65535, v.rounded())))
                }
            }
            let url = folder.appendingPathComponent(String(format: "tile_%03d.npy", t))
            try NPY.write(AnyArray(NDArray(data, shape: z == 1 ? [rows, cols] : [z, rows, cols])), to: url)
            urls.append(url)
        }
        return urls
    }

    static func npy<T: ArrayElement>(_ name: String, as: T.Type = T.self) throws -> NDArray<T> {
        try NPY.read(fixtures.appendingPathComponent(name)).typed()!
    }
}

/// mean |a − b|.
func meanAbs(_ a: [Float], _ b: [Float]) -> Double {
    zip(a, b).reduce(0.0) { $0 + Double(abs($1.0 - $1.1)) } / Double(max(a.count, 1))
}
