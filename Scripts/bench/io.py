"""Python anchors for Benchmarks/ScopeKitBenchmarks/IOBenchmarks.swift (same names, same inputs)."""
import os
import sys
import tempfile

import zlib

import imagecodecs
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
# that both sides use the same nominal level (ScopeKit: its own pure-Swift Deflate, level 6).
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


def predictor_strips():
    """The stack after the horizontal predictor, cut into ScopeKit's 256 KiB Deflate strips."""
    a = tiff_stack().astype("<u2")
    d = a.copy()
    d[..., 1:] = a[..., 1:] - a[..., :-1]
    b = d.tobytes()
    n = 256 << 10
    return [b[i:i + n] for i in range(0, len(b), n)]


def inflate_strips(decode):
    strips = predictor_strips()
    packed = [(zlib.compress(s, 6), len(s)) for s in strips]
    return lambda: [decode(p, n) for p, n in packed]


def deflate_strips(encode):
    strips = predictor_strips()
    return lambda: [encode(s) for s in strips]


BENCHMARKS = {
    "io.tiff.read.uncompressed": read_uncompressed,
    "io.tiff.read.deflate": read_deflate,
    "io.tiff.read.plane": read_plane,
    "io.tiff.write.uncompressed": write_uncompressed,
    "io.tiff.write.deflate": write_deflate,
    "codec.inflate.strips": lambda: inflate_strips(lambda b, n: imagecodecs.deflate_decode(b, out=n)),
    "codec.inflate.strips.zlib": lambda: inflate_strips(lambda b, n: zlib.decompress(b, bufsize=n)),
    "codec.deflate.strips": lambda: deflate_strips(lambda b: imagecodecs.deflate_encode(b, level=6)),
    "codec.deflate.strips.zlib": lambda: deflate_strips(lambda b: zlib.compress(b, 6)),
}

if __name__ == "__main__":
    run(BENCHMARKS, sys.argv[1:])
