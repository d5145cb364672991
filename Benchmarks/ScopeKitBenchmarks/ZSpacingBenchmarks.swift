let zspacingBenchmarks: [Benchmark] = []
