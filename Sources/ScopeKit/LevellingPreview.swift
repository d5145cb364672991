import Foundation

/// PNG previews of AFM heights before and after levelling (used by `scopekit level` and the demo).
///
/// ```swift
/// try LevellingPreview.write(frame, to: URL(fileURLWithPath: "after.png"), overwrite: true)
/// ```
public enum LevellingPreview {
    /// The rendering: percentiles 1…99 of the frame's finite heights, inferno, colour bar and (with a pixel
    /// size) a scale bar; NaN pixels grey.
    public static var options: RenderOptions {
        var o = RenderOptions(mapping: .percentile(1, 99), colormap: .inferno, nanColor: RGBAColor(128, 128, 128))
        o.colorBar = true
        o.scaleBar = true
        return o
    }

    /// Renders one frame `[rows, cols]` with ``options``.
    public static func render(_ frame: NDArray<Float>) throws -> NDArray<UInt8> {
        var o = options
        o.scaleBar = frame.calibration.axes.count == frame.rank && frame.calibration.axes.last.map { $0.unit != "px" } == true
        return try Renderer.render(AnyArray(frame), options: o)
    }

    /// Renders one frame and writes it as PNG (atomically).
    public static func write(_ frame: NDArray<Float>, to url: URL, overwrite: Bool) throws {
        try PNG.write(try render(frame), to: url, overwrite: overwrite)
    }
}
