"""Python anchors for Benchmarks/ScopeKitBenchmarks/NPYBenchmarks.swift (same names, same inputs)."""
import os
import shutil
import sys
import tempfile

import numpy as np

from common import run

FOLDER = os.path.join(tempfile.gettempdir(), "scopekit-bench-npy-python")
os.makedirs(FOLDER, exist_ok=True)


def stack():
    rng = np.random.default_rng(42)
    return rng.random((64, 512, 512), dtype=np.float32)


def read_npy():
    path = os.path.join(FOLDER, "read.npy")
    np.save(path, stack())
    return lambda: np.load(path)


def write_npy():
    # A new file every run, as NPYBenchmarks.swift does (no cost of replacing an existing file).
    a = stack()
    folder = os.path.join(FOLDER, "write")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    run = [0]

    def body():
        run[0] += 1
        np.save(os.path.join(folder, f"write-{run[0]}.npy"), a)
    return body


def read_npz():
    path = os.path.join(FOLDER, "read.npz")
    np.savez_compressed(path, stack=stack())

    def body():
        with np.load(path) as z:
            z["stack"]

    return body


BENCHMARKS = {
    "npy.read.f32.64x512x512": read_npy,
    "npy.write.f32.64x512x512": write_npy,
    "npz.read.f32.64x512x512.deflated": read_npz,
}

if __name__ == "__main__":
    run(BENCHMARKS, sys.argv[1:])
