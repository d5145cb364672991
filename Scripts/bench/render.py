"""Python anchors for the render benchmarks (names match RenderBenchmarks.swift).

Run single-threaded: OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python Scripts/bench/render.py
"""
import sys

import matplotlib
import numpy as np

from common import run


def noise_frame_2048():
    rng = np.random.default_rng(42)
    return (rng.random((2048, 2048)) * 1000).astype(np.float32)


def colormap_2048():
    x = noise_frame_2048()
    cmap = matplotlib.colormaps["viridis"]
    return lambda: cmap(matplotlib.colors.Normalize()(x), bytes=True)


def percentile_2048():
    x = noise_frame_2048()
    cmap = matplotlib.colormaps["viridis"]

    def body():
        lo, hi = np.percentile(x, [0.5, 99.5])
        return cmap(matplotlib.colors.Normalize(lo, hi, clip=True)(x), bytes=True)
    return body


def gamma_2048():
    x = noise_frame_2048()
    cmap = matplotlib.colormaps["viridis"]
    return lambda: cmap(matplotlib.colors.PowerNorm(0.5)(x), bytes=True)


BENCHMARKS = {
    "render.colormap_2048": colormap_2048,
    "render.percentile_2048": percentile_2048,
    "render.gamma_2048": gamma_2048,
}

if __name__ == "__main__":
    run(BENCHMARKS, sys.argv[1:])
