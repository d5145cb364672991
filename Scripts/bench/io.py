"""Python anchors for Benchmarks/ScopeKitBenchmarks/IOBenchmarks.swift (same names, same inputs)."""
import os
import sys
import tempfile

import numpy as np
import tifffile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import run  # noqa: E402

TMP = tempfile.gettempdir()


def tiff_stack():
    """64 × 512 × 512 uint16, the formula of tiffBenchmarkStack() in IOBenchmarks.swift."""
    f, r, c = np.meshgrid(np.arange(64), np.arange(512), np.arange(512), indexing="ij")
    noise = (r * 7919 + c * 104729 + f * 15485863) % 61
    return (((r ^ c) * 37 + f * 13 + noise) % 4096).astype(np.uint16)


def path(name):
    return os.path.join(TMP, "anchor-bench-" + name)


# tifffile compresses 'zlib' with imagecodecs' libdeflate at level 6 by default; the level is spelled out so
# that both sides use the same nominal level (ScopeKit: system zlib, level 6).
DEFLATE = dict(compression="zlib", compressionargs={"level": 6}, predictor=True)


def read_uncompressed():
    p = path("read-raw.tif")
    tifffile.imwrite(p, tiff_stack(), photometric="minisblack")
    return lambda: tifffile.imread(p, maxworkers=1)


def read_deflate():
    p = path("read-deflate.tif")
    tifffile.imwrite(p, tiff_stack(), photometric="minisblack", **DEFLATE)
    return lambda: tifffile.imread(p, maxworkers=1)


def read_plane():
    p = path("read-plane.tif")
    tifffile.imwrite(p, tiff_stack(), photometric="minisblack")

    def body():
        with tifffile.TiffFile(p) as tf:
            return tf.pages[40].asarray()
    return body


def write_uncompressed():
    a = tiff_stack()
    p = path("write-raw.tif")
    return lambda: tifffile.imwrite(p, a, photometric="minisblack")


def write_deflate():
    a = tiff_stack()
    p = path("write-deflate.tif")
    return lambda: tifffile.imwrite(p, a, photometric="minisblack", maxworkers=1, **DEFLATE)


BENCHMARKS = {
    "io.tiff.read.uncompressed": read_uncompressed,
    "io.tiff.read.deflate": read_deflate,
    "io.tiff.read.plane": read_plane,
    "io.tiff.write.uncompressed": write_uncompressed,
    "io.tiff.write.deflate": write_deflate,
    # The same tifffile call; ScopeKit's side writes zlib level 5, about the size of libdeflate level 6.
    "io.tiff.write.deflate.samesize": write_deflate,
}

if __name__ == "__main__":
    run(BENCHMARKS, sys.argv[1:])
