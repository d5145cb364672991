"""Python anchors of Benchmarks/ScopeKitBenchmarks/PNGBenchmarks.swift (imageio.v3 / Pillow, zlib level 6)."""
import os
import sys

import imageio.v3 as iio
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import run  # noqa: E402


def image(rows, cols, channels):
    """The same deterministic image as benchmarkImage(rows:cols:channels:) in PNGBenchmarks.swift."""
    r = np.arange(rows, dtype=np.uint64)[:, None, None]
    c = np.arange(cols, dtype=np.uint64)[None, :, None]
    k = np.arange(channels, dtype=np.uint64)[None, None, :]
    z = ((r * np.uint64(cols) + c) * np.uint64(channels) + k) * np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    noise = (z ^ (z >> np.uint64(31))) >> np.uint64(59)
    a = ((r + c) // np.uint64(4) + k * np.uint64(60) + noise) & np.uint64(255)
    a = a.astype(np.uint8)
    return a[..., 0] if channels == 1 else a


def decode(rows, cols, channels):
    def make():
        data = iio.imwrite("<bytes>", image(rows, cols, channels), extension=".png")
        return lambda: iio.imread(data, extension=".png")
    return make


def encode(rows, cols, channels):
    def make():
        a = image(rows, cols, channels)
        return lambda: iio.imwrite("<bytes>", a, extension=".png")
    return make


BENCHMARKS = {
    "png.decode.gray2048": decode(2048, 2048, 1),
    "png.decode.rgb1024": decode(1024, 1024, 3),
    "png.encode.gray2048": encode(2048, 2048, 1),
    "png.encode.rgb1024": encode(1024, 1024, 3),
}

if __name__ == "__main__":
    run(BENCHMARKS, sys.argv[1:])
