import ScopeKit

/// Render benchmarks (see Harness.swift).
let renderBenchmarks: [Benchmark] = []
