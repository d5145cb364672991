import Foundation
import ScopeKit

// Usage: ScopeKitBenchmarks [--repeats N] [--threads N] [name-prefix ...]
// Prints one JSON object per line: {"name": ..., "seconds": median, "threads": N}.
// Each domain file contributes one array of benchmarks.
let all: [Benchmark] = coreBenchmarks + ioBenchmarks + fourierBenchmarks + renderBenchmarks + zspacingBenchmarks + pngBenchmarks + npyBenchmarks + levellingBenchmarks + flatfieldBenchmarks

var repeats = 5
var filters: [String] = []
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let a = arguments.next() {
    switch a {
    case "--repeats": repeats = Int(arguments.next() ?? "") ?? repeats
    case "--threads": Parallel.threadCount = Int(arguments.next() ?? "") ?? Parallel.threadCount
    case "--list":
        for b in all { print(b.name) }
        exit(0)
    default: filters.append(a)
    }
}

for b in all where filters.isEmpty || filters.contains(where: { b.name.hasPrefix($0) }) {
    do {
        let body = try b.make()
        let s = try medianSeconds(repeats: repeats, body)
        print("{\"name\": \"\(b.name)\", \"seconds\": \(s), \"threads\": \(Parallel.threadCount)}")
    } catch {
        FileHandle.standardError.write("benchmark \(b.name) failed: \(error)\n".data(using: .utf8)!)
    }
}
