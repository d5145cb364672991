import ScopeKit

/// Core benchmarks (see Harness.swift).
let coreBenchmarks: [Benchmark] = []
