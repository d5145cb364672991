"""Python anchors for Benchmarks/ScopeKitBenchmarks/CoreBenchmarks.swift (same names).

Run single-threaded: OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python Scripts/bench/core.py [--repeats N] [prefix]
"""
import sys

import numpy as np
from skimage.filters import threshold_otsu

from common import run

rng = np.random.default_rng(1)


def uniform_uint16(rows, cols):
    return rng.integers(0, 65536, (rows, cols), dtype=np.uint16)


def uniform_float(rows, cols, scale=1.0, offset=0.0):
    return (rng.random((rows, cols), dtype=np.float32) * np.float32(scale) + np.float32(offset)).astype(np.float32)


def convert_uint16_to_float32():
    a = uniform_uint16(4096, 4096)
    return lambda: a.astype(np.float32)


def convert_float32_to_uint16_clip():
    f = uniform_float(4096, 4096, 70000, -2000)
    return lambda: np.clip(np.rint(f), 0, 65535).astype(np.uint16)


def mean_std():
    a = uniform_float(4096, 4096)
    return lambda: (a.mean(), a.std())


def median():
    a = uniform_float(4096, 4096)
    return lambda: np.median(a)


def percentile99():
    a = uniform_float(4096, 4096)
    return lambda: np.percentile(a, 99)


def histogram256():
    a = uniform_uint16(4096, 4096)
    return lambda: np.histogram(a, bins=256)


def otsu():
    a = uniform_float(2048, 2048)
    return lambda: threshold_otsu(a)


BENCHMARKS = {
    "core.convert_uint16_to_float32_4096": convert_uint16_to_float32,
    "core.convert_float32_to_uint16_clip_4096": convert_float32_to_uint16_clip,
    "core.mean_std_float32_4096": mean_std,
    "core.median_float32_4096": median,
    "core.percentile99_float32_4096": percentile99,
    "core.histogram256_uint16_4096": histogram256,
    "core.otsu_float32_2048": otsu,
}

if __name__ == "__main__":
    run(BENCHMARKS, sys.argv[1:])
