"""Shared helpers for the Python anchors of Scripts/bench-vs-python.sh.

Each Scripts/bench/<domain>.py defines BENCHMARKS = {name: make} where make() builds inputs and returns the
timed callable; names match Benchmarks/ScopeKitBenchmarks/*Benchmarks.swift.
"""
import json
import time


def median_seconds(fn, repeats=5):
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[len(times) // 2]


def run(benchmarks, argv):
    repeats = 5
    filters = []
    it = iter(argv)
    for a in it:
        if a == "--repeats":
            repeats = int(next(it))
        else:
            filters.append(a)
    for name, make in benchmarks.items():
        if filters and not any(name.startswith(f) for f in filters):
            continue
        fn = make()
        print(json.dumps({"name": name, "seconds": median_seconds(fn, repeats)}), flush=True)
