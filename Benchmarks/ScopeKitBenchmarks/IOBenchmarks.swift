import ScopeKit

/// IO benchmarks (see Harness.swift).
let ioBenchmarks: [Benchmark] = []
