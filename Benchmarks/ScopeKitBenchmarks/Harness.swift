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

/// The deterministic generator benchmarks use to build inputs.
typealias SplitMix64 = SeededGenerator
