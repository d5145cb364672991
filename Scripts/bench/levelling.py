"""Python anchors for Benchmarks/ScopeKitBenchmarks/LevellingBenchmarks.swift (same names).

pnanolocz (and the numpy least-squares version) take seconds per frame group, so the movie benchmarks time a
subset of frames and extrapolate linearly to 2000 frames (the work is strictly per frame; the whole-movie
histogram of ScopeKit's Iterative Peaks is not in pnanolocz, which fits per frame).
"""
import json
import sys
import warnings

import numpy as np
from pnanolocz.level import apply_level
from pnanolocz.level_auto import apply_level_auto

from common import median_seconds

warnings.filterwarnings("ignore")


def movie(frames, size=256, seed=11):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size].astype(np.float32)
    out = np.empty((frames, size, size), np.float32)
    for f in range(frames):
        cx, cy = 40 + (f % 150), 100
        particle = np.where((x - cx) ** 2 + (y - cy) ** 2 < 400, 4, 0)
        off = (rng.random(size) - 0.5)[:, None]
        out[f] = 0.01 * x - 0.02 * y + 1e-4 * (x - 128) ** 2 + off + particle + (rng.random((size, size)) - 0.5) * 0.2
    return out


def plane_medline():
    m = movie(20).astype(np.float64)
    return lambda: apply_level(apply_level(m, 2, 2, "plane"), 0, 0, "med_line"), 100


def lsq_medline():
    m = movie(20).astype(np.float64)
    size = m.shape[1]
    y, x = np.mgrid[0:size, 0:size].astype(np.float64)
    u, v = (2 * x - (size - 1)) / (size - 1), (2 * y - (size - 1)) / (size - 1)
    basis = np.stack([u ** i * v ** j for j in range(3) for i in range(3)], -1).reshape(-1, 9)

    def body():
        out = np.empty_like(m)
        for f in range(m.shape[0]):
            z = m[f].ravel()
            ok = np.isfinite(z)
            coef, *_ = np.linalg.lstsq(basis[ok], z[ok], rcond=None)
            lev = (z - basis @ coef).reshape(size, size)
            bg = np.nanmedian(lev)
            out[f] = lev - np.nanmedian(lev, axis=1)[:, None] + bg
        return out

    return body, 100


def iterative_peaks():
    m = movie(4).astype(np.float64)
    return lambda: apply_level_auto(m, "iterative fit peaks"), 500


def preview512():
    m = movie(1, 512)[0].astype(np.float64)
    return lambda: apply_level_auto(m, "iterative fit peaks"), 1


BENCHMARKS = {
    "levelling.plane22-medline.2000x256": plane_medline,
    "levelling.lsq-plane22-medline.2000x256": lsq_medline,
    "levelling.iterative-peaks.2000x256": iterative_peaks,
    "levelling.iterative-peaks.preview512": preview512,
}


def main(argv):
    repeats, filters = 5, []
    it = iter(argv)
    for a in it:
        if a == "--repeats":
            repeats = int(next(it))
        else:
            filters.append(a)
    for name, make in BENCHMARKS.items():
        if filters and not any(name.startswith(f) for f in filters):
            continue
        fn, scale = make()
        print(json.dumps({"name": name, "seconds": median_seconds(fn, min(repeats, 3)) * scale}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
