#!/usr/bin/env python3
"""Interleaved A/B runs of ScopeKitBenchmarks builds (or of one build under different environment settings).

Each round runs every variant once, in order, so slow minutes hit every variant alike; prints, per benchmark
and variant, the minimum and the median over the rounds of each run's reported time.

    VARIANTS="old=/tmp/bench-old;new=.build/release/ScopeKitBenchmarks;base=.build/release/ScopeKitBenchmarks:SCOPEKIT_SIMD=baseline" \\
        Scripts/bench-ab.py ROUNDS THREADS REPEATS NAME [NAME ...]

A variant is `label=binary[:ENV=VALUE ...]`; variants are separated by `;`.
"""
import collections
import json
import os
import statistics
import subprocess
import sys


def main() -> None:
    if len(sys.argv) < 5 or "VARIANTS" not in os.environ:
        sys.exit(__doc__)
    variants = [v.split("=", 1) for v in os.environ["VARIANTS"].split(";")]
    rounds, threads, repeats, names = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
    times = collections.defaultdict(list)
    for _ in range(rounds):
        for label, spec in variants:
            binary, *settings = spec.split(":")
            env = dict(os.environ)
            env.update(s.split("=", 1) for s in settings)
            out = subprocess.run([binary, "--threads", threads, "--repeats", repeats, *names],
                                 capture_output=True, text=True, env=env, check=True).stdout
            for line in out.splitlines():
                if line.startswith("{"):
                    row = json.loads(line)
                    times[(row["name"], label)].append(row["seconds"])
    for name in names:
        cells = [name]
        for label, _ in variants:
            xs = times[(name, label)]
            cells.append(f"{label} min {min(xs) * 1e3:.2f} med {statistics.median(xs) * 1e3:.2f} ms" if xs
                         else f"{label} –")
        print(" | ".join(cells))


if __name__ == "__main__":
    main()
