import Foundation
import ScopeKitCore
import ScopeKitIO

extension Mask {
    /// A mask drawn in another program and saved as an image (PNG, TIFF, NPY, …): a pixel is **used** where
    /// the image is nonzero and not NaN, excluded where it is 0 (or NaN).
    ///
    /// This follows ScopeKit's rule (`true` = used) and reads both common drawings: a 0/255 PNG painted white
    /// over the background to fit, and NanoLocz's 1/NaN masks. Pass `invert: true` when the drawing marks the
    /// pixels to *exclude* (features painted over). RGB(A) images count a pixel as nonzero when any colour
    /// sample is (alpha is ignored).
    ///
    /// - Parameters:
    ///   - image: `[rows, cols]`, `[frames, rows, cols]`, or `[rows, cols, 3|4]` (RGB(A)).
    ///   - invert: swap used and excluded.
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` for other shapes.
    /// - Complexity: O(pixels).
    ///
    /// ```swift
    /// let mask = try Mask(drawing: ImageIO.read(URL(fileURLWithPath: "background.png")))
    /// let out = try pipeline.run(on: movie, mask: mask)
    /// ```
    public init(drawing image: AnyArray, invert: Bool = false) throws {
        let rgb = image.shape.count == 3 && image.calibration.axes.last?.name == "s" && (image.shape[2] == 3 || image.shape[2] == 4)
        guard image.shape.count == 2 || image.shape.count == 3 else {
            throw ScopeKitError.badInput("a drawn mask must be [rows, cols] or [frames, rows, cols], got shape \(image.shape)")
        }
        let values = image.asFloat64()
        if rgb {
            let rows = image.shape[0], cols = image.shape[1], samples = image.shape[2]
            let used = values.withUnsafeBufferPointer { v in
                NDArray<Bool>(unsafeUninitializedShape: [rows, cols]) { out in
                    for i in 0..<(rows * cols) {
                        var any = false
                        for s in 0..<3 where v[i * samples + s] != 0 && !v[i * samples + s].isNaN { any = true }
                        out[i] = any != invert
                    }
                }
            }
            self.init(including: used)
        } else {
            self.init(including: values.map { ($0 != 0 && !$0.isNaN) != invert })
        }
    }

    /// Reads a drawn mask from a file (see ``init(drawing:invert:)``) and checks it against the frames it
    /// will mask: its shape must be one frame `[rows, cols]` or the whole movie `[frames, rows, cols]`.
    ///
    /// - Throws: ``ScopeKitError/badInput(_:file:)`` naming the file for an unreadable file or a wrong shape.
    public init(drawingAt url: URL, invert: Bool = false, frames: Int, rows: Int, cols: Int) throws {
        do {
            try self.init(drawing: try ImageIO.read(url), invert: invert)
        } catch let e as ScopeKitError {
            throw e.attributed(to: url.path)
        }
        if shape == [1, rows, cols] { self.init(including: values.reshaped([rows, cols])) }
        guard shape == [rows, cols] || shape == [frames, rows, cols] else {
            let movie = frames > 1 ? " or the movie [\(frames), \(rows), \(cols)]" : ""
            throw ScopeKitError.badInput("mask shape \(shape) does not match the frames [\(rows), \(cols)]\(movie)",
                                         file: url.path)
        }
    }
}
