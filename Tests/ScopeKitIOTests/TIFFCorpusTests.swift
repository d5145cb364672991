import Foundation
import Testing
@testable import ScopeKitIO
import ScopeKitCore

/// Every TIFF of the shared corpus and every synthetic fixture reads like `tifffile.imread`.
@Suite struct TIFFCorpusTests {
    static func check(_ url: URL, _ ref: TIFFTestSupport.Reference, name: String) {
        do {
            let file = try TIFFTestSupport.open(url)
            let a = try file.readAll()
            if let expected = ref.error {
                Issue.record("\(name): read, expected error \(expected)")
                return
            }
            #expect(a.shape == ref.shape, "\(name): shape \(a.shape) vs \(ref.shape)")
            #expect(a.dtype.name == ref.dtype, "\(name): dtype \(a.dtype) vs \(ref.dtype)")
            let crc = TIFFTestSupport.crc32(a)
            #expect(crc == ref.crc32, "\(name): crc32 differs")
            if crc != ref.crc32, let s = ref.sum {
                let sum = TIFFTestSupport.checksum(a).sum
                Issue.record("\(name): sum \(sum) vs tifffile \(s)")
            }
            // Reading plane by plane gives the same bytes as readAll.
            if file.info.planeCount > 1 {
                let last = file.info.planeCount - 1
                let plane = try file.readPlane(last)
                #expect(plane.shape == file.info.planeShape)
                #expect(TIFFTestSupport.bytes(plane) == TIFFTestSupport.bytes(a, plane: last, of: file.info.planeCount),
                        "\(name): readPlane(\(last)) differs from readAll")
            }
        } catch let error as ScopeKitError {
            if let expected = ref.error {
                #expect(error.reason.contains(expected), "\(name): \(error.reason)")
                #expect(error.kind == .badInput)
            } else {
                Issue.record("\(name): \(error)")
            }
        } catch {
            Issue.record("\(name): \(error)")
        }
    }

    @Test func corpusMatchesTifffile() throws {
        guard let corpus = TIFFTestSupport.corpus else { return }
        let refs = TIFFTestSupport.references.corpus
        #expect(refs.count >= 100)
        for (name, ref) in refs.sorted(by: { $0.key < $1.key }) {
            Self.check(corpus.appendingPathComponent(name), ref, name: name)
        }
    }

    @Test func syntheticFixturesMatchTifffile() throws {
        for (name, ref) in TIFFTestSupport.references.synthetic.sorted(by: { $0.key < $1.key }) {
            Self.check(TIFFTestSupport.fixtures.appendingPathComponent(name), ref, name: name)
        }
    }
}
