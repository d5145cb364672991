import Foundation
import ScopeKitCore

/// Fits the BaSiC model to the planes of a channel, streamed one plane at a time.
///
/// Used when neither measured profiles nor empty regions are given (the task's third scenario). The images
/// are every plane of every tile in tile order (tile 1 z 0, tile 1 z 1, …, tile 2 z 0, …) — the order of
/// the per-image baseline — unless there are more than `maxImages`; then `maxImages` planes are chosen by
/// seeded round-robin over the tiles (``PlaneSampling``) and the baseline follows that order. Only the
/// working-size copy of each image is kept (``BaSiC/fit(source:parameters:)``).
///
/// ```swift
/// var p = BaSiC.Parameters(); p.getDarkfield = true
/// let (profiles, basic, planes) = try BaSiCEstimate.fit(channel, parameters: p)
/// ```
///
/// - Complexity: one read and one resize per image, plus the BaSiC fit (see ``BaSiC``).
public enum BaSiCEstimate {
    /// The profiles (flat-field, dark-field when ``BaSiC/Parameters/getDarkfield``, per-image baseline), the
    /// raw BaSiC result and the planes fitted.
    public static func fit(_ channel: FlatFieldChannel, parameters: BaSiC.Parameters = BaSiC.Parameters(),
                           maxImages: Int = 1000, seed: UInt64 = 0,
                           progress: WorkProgress? = nil) throws -> (FlatFieldProfiles, BaSiCProfiles, [SampledPlane]) {
        guard maxImages >= 1 else { throw ScopeKitError.usage("the image limit must be ≥ 1, got \(maxImages)") }
        let candidates = channel.tiles.map { (tile: $0.number, planes: Array(0..<$0.planeCount)) }
        let total = channel.planeCount
        let planes = total <= maxImages
            ? candidates.flatMap { c in c.planes.map { SampledPlane(tile: c.tile, z: $0) } }
            : PlaneSampling.roundRobin(candidates: candidates, count: maxImages, seed: seed)
        let source = ChannelPlanes(channel: channel, planes: planes, progress: progress)
        let basic: BaSiCProfiles
        do { basic = try BaSiC.fit(source: source, parameters: parameters) } catch let e as ScopeKitError {
            throw source.lastPath.map { e.file == nil && e.kind == .badInput ? e.attributed(to: $0) : e } ?? e
        }
        return (try FlatFieldProfiles(basic, darkfield: parameters.getDarkfield), basic, planes)
    }
}

/// Planes of a channel as a ``BaSiCFrameSource`` (keeps the last opened tile).
final class ChannelPlanes: BaSiCFrameSource, @unchecked Sendable {
    let channel: FlatFieldChannel
    let planes: [SampledPlane]
    let progress: WorkProgress?
    private var open: (tile: Int, reader: FlatFieldTileReader)?
    private(set) var lastPath: String?

    init(channel: FlatFieldChannel, planes: [SampledPlane], progress: WorkProgress?) {
        self.channel = channel
        self.planes = planes
        self.progress = progress
    }

    var frameCount: Int { planes.count }
    var frameShape: [Int] { channel.planeShape }

    func frame(_ index: Int) throws -> NDArray<Float> {
        let s = planes[index]
        if open?.tile != s.tile {
            let tile = try channel.tile(s.tile)
            lastPath = tile.url.path
            open = (s.tile, try tile.open())
        }
        let plane = try open!.reader.readPlane(s.z).asFloat32()
        progress?.advance()
        return plane
    }
}
