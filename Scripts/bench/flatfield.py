"""Python anchors for Benchmarks/ScopeKitBenchmarks/FlatFieldBenchmarks.swift (same names).

flatfield.apply.uint16.16x2048: the mesoSPIM task's correction with ScopeKit's rounding,
clip(rint((x − d)/f), 0, 65535).astype(uint16), on 16 uint16 planes of 2048² (same pixels as the Swift side).
flatfield.apply.uint16.inplace.16x2048: the same correction in place, re-applied to x on every run through one
reused float32 buffer t (subtract, divide, rint, clip into t, then x[...] = t).
flatfield.apply.memcpy.16x2048: x.copy() of the same array (the memory-bandwidth baseline).
flatfield.basic.fit.<mode>.<T>x<N>: BaSiCPy 1.2.0 (jax 0.4.23, CPU) `BaSiC(fitting_mode=mode).fit` on T
deterministic vignetted N² tiles (same formula as the Swift side; 200 × 256² and 100 × 2048²), default
working size 128, warm (the
harness runs once before timing, which includes the jit compilation). BaSiCPy lives in its own environment
(.reference/basicpy); this script re-executes itself there. XLA is limited to one thread when
SCOPEKIT_BENCH_THREADS=1.
"""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
threads = os.environ.get("SCOPEKIT_BENCH_THREADS", "1")
if threads == "1" and "XLA_FLAGS" not in os.environ:
    os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
try:
    import basicpy  # noqa: F401
except ImportError:
    py = os.path.join(ROOT, ".reference", "basicpy", "bin", "python")
    if not os.path.exists(py):
        sys.exit(0)
    sys.exit(subprocess.call([py, os.path.abspath(__file__)] + sys.argv[1:], env=dict(os.environ)))

import logging  # noqa: E402

import numpy as np  # noqa: E402
from basicpy import BaSiC  # noqa: E402

sys.path.insert(0, HERE)
from common import run  # noqa: E402

logging.getLogger("basicpy").setLevel(logging.ERROR)


def tiles(t=200, n=256):
    def unit(k):
        return ((k * 1103515245 + 12345) % 2147483648) / 2147483648
    p = n * n
    c = (np.arange(n) + 0.5) / n * 2 - 1
    s = 1 - 0.275 * (c[None, :] ** 2 + c[:, None] ** 2)
    out = np.empty((t, n, n), np.float32)
    idx = np.arange(p, dtype=np.int64)
    for f in range(t):
        level = 800 + 400 * unit(1_000_003 * (f + 1))
        u = ((((f * p + idx) * 1103515245 + 12345) % 2147483648) / 2147483648).reshape(n, n)
        out[f] = (level * s * (0.5 + u)).astype(np.float32)
    return out


def fit(mode, t, n):
    def make():
        images = tiles(t, n)
        return lambda: BaSiC(fitting_mode=mode).fit(images)
    return make


def apply_inputs():
    n, planes = 2048, 16
    i = np.arange(n * n, dtype=np.int64)
    x = np.stack([((i * 7919 + k * 104729) % 60000).astype(np.uint16).reshape(n, n) for k in range(planes)])
    c = (np.arange(n, dtype=np.float32) + 0.5) / n * 2 - 1
    f = (1.1 - 0.3 * (c[None, :] ** 2 + c[:, None] ** 2)).astype(np.float32)
    d = np.broadcast_to(100 + 10 * c[None, :], (n, n)).astype(np.float32)
    return x, f, d


def apply():
    x, f, d = apply_inputs()
    return lambda: np.clip(np.rint((x - d) / f), 0, 65535).astype(np.uint16)


def apply_inplace():
    x, f, d = apply_inputs()
    t = np.empty(x.shape, np.float32)

    def run():
        np.subtract(x, d, out=t)
        np.divide(t, f, out=t)
        np.rint(t, out=t)
        np.clip(t, 0, 65535, out=t)
        x[...] = t
    return run


def copy():
    x, _, _ = apply_inputs()
    return lambda: x.copy()


BENCHMARKS = {f"flatfield.basic.fit.{m}.{t}x{n}": fit(m, t, n)
              for (t, n) in [(200, 256), (100, 2048)] for m in ["ladmap", "approximate"]}
BENCHMARKS.update({"flatfield.apply.uint16.16x2048": apply, "flatfield.apply.uint16.inplace.16x2048": apply_inplace,
                   "flatfield.apply.memcpy.16x2048": copy})

if __name__ == "__main__":
    run(BENCHMARKS, sys.argv[1:])
