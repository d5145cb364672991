import Foundation
import Testing
import ScopeKitCore
import ScopeKitIO
@testable import ScopeKitLevelling
import ScopeKitTestSupport

/// Reference values written by `Scripts/fixtures/afm.py` and helpers shared by the AFM format tests.
enum AFMReference {
    static let fixtures = TestPaths.fixtures("afm")
    /// The shared corpus folder `afm` (outside the repository); a path that does not exist when it is absent.
    static let corpus: URL = TestPaths.corpus("afm")
        ?? TestPaths.repository.appendingPathComponent("../shared/corpus/afm").standardizedFileURL

    struct Case: Decodable {
        var file: String
        var channel: String
        var reader: String
        var scopekitName: String?
        var shape: [Int]?
        var scaling: Double?
        var sum: Double?
        var sumAbs: Double?
        var weightedSum: Double?
        var weightedSumAbs: Double?
        var min: Double?
        var max: Double?
        var samples: [[Double]]?
        var frameTime: Double?
        var note: String?
        var error: String?
        var xres: Int?
        var yres: Int?
    }

    struct Document: Decodable { var cases: [Case] }

    static let cases: [Case] = {
        let data = try! Data(contentsOf: fixtures.appendingPathComponent("afm_reference.json"))
        return try! JSONDecoder().decode(Document.self, from: data).cases
    }()

    static func cases(withSuffix suffix: String) -> [Case] {
        cases.filter { $0.file.hasSuffix(suffix) && $0.error == nil }
    }

    static func url(_ file: String) -> URL { corpus.appendingPathComponent(file) }

    /// Asserts that `array` matches the reference checksums and samples within `tolerance` (relative).
    static func expectMatches(_ array: NDArray<Double>, _ c: Case, tolerance: Double = 1e-9,
                              valueScale: Double = 1,
                              sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(array.shape == c.shape, "\(c.file) \(c.channel) shape", sourceLocation: sourceLocation)
        guard array.shape == c.shape else { return }
        var sum = 0.0, sumAbs = 0.0, weighted = 0.0, lo = Double.infinity, hi = -Double.infinity
        array.withUnsafeBufferPointer { p in
            for i in p.indices {
                let v = p[i] * valueScale
                sum += v
                sumAbs += abs(v)
                weighted += v * Double(i % 251 + 1)
                lo = Swift.min(lo, v)
                hi = Swift.max(hi, v)
            }
        }
        // Sums: numpy adds pairwise, ScopeKit's check sequentially, so allow rounding of the summation order.
        let sumTolerance = Swift.max(tolerance, 1e-11)
        let scale = c.sumAbs! + 1e-300
        #expect(abs(sum - c.sum!) <= sumTolerance * scale, "\(c.file) \(c.channel) sum \(sum) vs \(c.sum!)",
                sourceLocation: sourceLocation)
        #expect(abs(sumAbs - c.sumAbs!) <= sumTolerance * scale, "\(c.file) \(c.channel) sum|v|",
                sourceLocation: sourceLocation)
        #expect(abs(weighted - c.weightedSum!) <= sumTolerance * (c.weightedSumAbs! + 1e-300),
                "\(c.file) \(c.channel) weighted sum \(weighted) vs \(c.weightedSum!)", sourceLocation: sourceLocation)
        let range = Swift.max(abs(c.min!), abs(c.max!), 1e-300)
        #expect(abs(lo - c.min!) <= tolerance * range && abs(hi - c.max!) <= tolerance * range,
                "\(c.file) \(c.channel) min/max \(lo) \(hi) vs \(c.min!) \(c.max!)", sourceLocation: sourceLocation)
        var worst = 0.0
        array.withUnsafeBufferPointer { p in
            for s in c.samples! {
                let v = p[Int(s[0])] * valueScale
                worst = Swift.max(worst, abs(v - s[1]) / Swift.max(abs(s[1]), range * 1e-12))
            }
        }
        #expect(worst <= tolerance, "\(c.file) \(c.channel) samples: worst relative difference \(worst)",
                sourceLocation: sourceLocation)
    }

    /// Asserts the pixel size along x (and y) equals the reference scaling.
    static func expectScaling(_ array: NDArray<Double>, _ c: Case, tolerance: Double = 1e-12,
                              sourceLocation: SourceLocation = #_sourceLocation) {
        let x = array.calibration.axes[array.rank - 1]
        #expect(x.unit == "nm", sourceLocation: sourceLocation)
        #expect(abs(x.scale - c.scaling!) <= tolerance * abs(c.scaling!),
                "\(c.file) pixel size \(x.scale) vs \(c.scaling!)", sourceLocation: sourceLocation)
    }

    /// A copy of a corpus file, truncated to `length` bytes (or with `patch` applied), in a temporary folder.
    static func damagedCopy(of file: String, length: Int? = nil, patch: [(Int, [UInt8])] = [],
                            name: String? = nil) throws -> URL {
        var bytes = [UInt8](try Data(contentsOf: url(file)))
        if let length { bytes = Array(bytes.prefix(length)) }
        for (offset, new) in patch where offset + new.count <= bytes.count {
            bytes.replaceSubrange(offset..<offset + new.count, with: new)
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scopekit-afm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let out = folder.appendingPathComponent(name ?? URL(fileURLWithPath: file).lastPathComponent)
        try Data(bytes).write(to: out)
        return out
    }

    /// Asserts that opening and reading `url` throws a one-line `badInput` error (never crashes).
    static func expectBadInput(_ url: URL, channel: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            let file = try AFMFormats.open(url)
            _ = try file.read(channel: channel)
            Issue.record("expected badInput for \(url.lastPathComponent)", sourceLocation: sourceLocation)
        } catch let e as ScopeKitError {
            #expect(e.kind == .badInput, "\(e)", sourceLocation: sourceLocation)
            #expect(!e.reason.contains("\n"), sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }
}
