import ScopeKit

/// Levelling benchmarks (see Harness.swift).
let levellingBenchmarks: [Benchmark] = []
