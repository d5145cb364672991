import Foundation
import ScopeKit

/// One named benchmark: `setUp` builds inputs once, `run` is the timed body.
///
/// Names match the Python anchors in `Scripts/bench/*.py` so `Scripts/bench-vs-python.sh` can pair them.
struct Benchmark {
    let name: String
    /// What the Python anchor of the same name does (for the table).
    let anchor: String
    /// Builds the inputs and returns the timed body.
    let make: () throws -> () throws -> Void
}

/// Times `body` as the median of `repeats` runs after one warm-up run.
func medianSeconds(repeats: Int, _ body: () throws -> Void) rethrows -> Double {
    try body()
    var times: [Double] = []
    for _ in 0..<repeats {
        let t0 = DispatchTime.now().uptimeNanoseconds
        try body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
    }
    times.sort()
    return times[times.count / 2]
}

/// A deterministic pseudo-random generator (SplitMix64) so Swift and Python can build comparable inputs.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
