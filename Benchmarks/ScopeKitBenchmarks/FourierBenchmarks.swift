import ScopeKit

/// Fourier benchmarks (see Harness.swift).
let fourierBenchmarks: [Benchmark] = []
