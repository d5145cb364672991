import ScopeKitCore

/// One sampled plane: tile number (1-based) and z index (0-based).
public struct SampledPlane: Sendable, Equatable, Codable {
    public var tile: Int
    public var z: Int
    public init(tile: Int, z: Int) { self.tile = tile; self.z = z }
}

/// Seeded, round-robin choice of planes from several tiles (the mesoSPIM task's `collect_fovs`, corrected).
///
/// Each tile's candidate planes are shuffled with its own stream of a seeded generator; planes are then taken
/// one per tile in turn (tile order as given) until `count` planes are chosen or every candidate is used, so
/// every chosen tile contributes (the task's sequential visit used only the first two of four corners) and no
/// plane is taken twice (the task draws with replacement, unseeded).
///
/// ```swift
/// let picks = PlaneSampling.roundRobin(candidates: [(1, [0, 1, 2]), (4, [0, 1, 2])], count: 4, seed: 0)
/// // two planes of tile 1 and two of tile 4, in tile order, each list sorted by z
/// ```
///
/// - Complexity: O(Σ candidates).
public enum PlaneSampling {
    /// Chooses up to `count` planes; the result is grouped by tile (in the given order) and sorted by z.
    public static func roundRobin(candidates: [(tile: Int, planes: [Int])], count: Int, seed: UInt64) -> [SampledPlane] {
        var shuffled: [[Int]] = []
        for (k, c) in candidates.enumerated() {
            var g = SeededGenerator(seed: seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(k + 1))
            var p = c.planes
            if p.count > 1 {
                for i in stride(from: p.count - 1, to: 0, by: -1) {
                    let j = Int(g.next() % UInt64(i + 1))
                    p.swapAt(i, j)
                }
            }
            shuffled.append(p)
        }
        var taken = [Int](repeating: 0, count: candidates.count)
        var total = 0
        var progress = true
        while total < count && progress {
            progress = false
            for k in candidates.indices where total < count && taken[k] < shuffled[k].count {
                taken[k] += 1
                total += 1
                progress = true
            }
        }
        var out: [SampledPlane] = []
        for (k, c) in candidates.enumerated() {
            out += shuffled[k].prefix(taken[k]).sorted().map { SampledPlane(tile: c.tile, z: $0) }
        }
        return out
    }
}
