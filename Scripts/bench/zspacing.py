"""Python anchors for Benchmarks/ScopeKitBenchmarks/ZSpacingBenchmarks.swift (same names).

* zspacing.similarity.*: banded NCC with numpy, streamed like ScopeKit (a ring of R+1 centred float32
  sections; one BLAS dot per pair, sums in float64), over 16 cycled random 1024^2 planes.
* zspacing.inference.2000r10.1iter: one outer iteration of the numpy port of the spec
  (Scripts/fixtures/zspacing.py); 100 iterations would take minutes.
"""
import math
import os
import sys

import numpy as np

from common import run

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "fixtures"))
import zspacing as port  # noqa: E402


def planes(size=1024, count=16):
    rng = np.random.default_rng(5)
    base = rng.normal(size=(size, size)).astype(np.float32)
    out = []
    for _ in range(count):
        base = 0.9 * base + 0.43 * (rng.random((size, size), dtype=np.float32) - 0.5)
        out.append(base.copy())
    return out


def similarity(sections, R=10):
    ps = planes()

    def body():
        strip = np.full((sections, 2 * R + 1), np.nan)
        strip[:, R] = 1
        ring = {}
        for j in range(sections):
            a = ps[j % len(ps)].ravel()
            c = (a - np.float32(a.mean(dtype=np.float64))).astype(np.float32)
            s1 = float(c.sum(dtype=np.float64))
            s2 = float(np.dot(c.astype(np.float64), c.astype(np.float64)))
            ring[j] = (c, s1, s2)
            ring.pop(j - R - 1, None)
            n = c.size
            for d in range(1, min(R, j) + 1):
                b, t1, t2 = ring[j - d]
                sab = float(np.dot(b, c))
                v = (n * sab - t1 * s1) / math.sqrt((n * t2 - t1 * t1) * (n * s2 - s1 * s1))
                strip[j - d, R + d] = strip[j, R - d] = v
        return strip

    return body


def inference_one_iteration():
    rng = np.random.default_rng(9)
    N, R = 2000, 10
    z = np.concatenate([[0.0], np.cumsum(rng.integers(1, 4, size=N - 1))])
    C = np.full((N, N), np.nan)
    for i in range(N):
        C[i, i] = 1
        for j in range(i + 1, min(N, i + R + 1)):
            C[i, j] = C[j, i] = 0.9 ** (z[j] - z[i]) + 0.01 * rng.normal()
    return lambda: port.infer(C, R, iterations=1)


BENCHMARKS = {
    "zspacing.similarity.100x1024": lambda: similarity(100),
    "zspacing.similarity.500x1024": lambda: similarity(500),
    "zspacing.inference.2000r10.1iter": inference_one_iteration,
}

if __name__ == "__main__":
    run(BENCHMARKS, sys.argv[1:])
