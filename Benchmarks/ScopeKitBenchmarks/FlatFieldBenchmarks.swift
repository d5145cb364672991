import ScopeKit

/// Flat-field benchmarks (see Harness.swift).
let flatfieldBenchmarks: [Benchmark] = []
