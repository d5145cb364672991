"""Python anchors for Benchmarks/ScopeKitBenchmarks/FourierBenchmarks.swift (same names).

scipy.fft runs with workers=1 (the per-core comparison of `ScopeKitBenchmarks --threads 1`).
"""
import sys

import numpy as np
import scipy.fft as sfft
import scipy.signal as ssig

from common import run

rng = np.random.default_rng(0)


def cplx(shape, dtype):
    return (rng.uniform(-1, 1, shape) + 1j * rng.uniform(-1, 1, shape)).astype(dtype)


def fft2_2048():
    x = cplx((2048, 2048), np.complex64)
    return lambda: sfft.fft2(x, workers=1)


def dctn(dtype, inverse=False):
    def make():
        x = rng.uniform(-1, 1, (128, 128)).astype(dtype)
        f = sfft.idctn if inverse else sfft.dctn
        return lambda: f(x, norm="ortho", workers=1)
    return make


def rfft2_1024():
    x = rng.uniform(-1, 1, (1024, 1024)).astype(np.float32)
    return lambda: sfft.rfft2(x, workers=1)


def fft1d(n):
    def make():
        x = cplx((n,), np.complex128)
        return lambda: sfft.fft(x, workers=1)
    return make


def fftconvolve_512():
    x = rng.uniform(-1, 1, (512, 512)).astype(np.float32)
    k = rng.uniform(-1, 1, (15, 15)).astype(np.float32)
    return lambda: ssig.fftconvolve(x, k, mode="same")


BENCHMARKS = {
    "fourier.fft2.complex64.2048": fft2_2048,
    "fourier.fft2.split32.2048": fft2_2048,
    "fourier.dctn.float64.128": dctn(np.float64),
    "fourier.dctn.float32.128": dctn(np.float32),
    "fourier.idctn.float64.128": dctn(np.float64, inverse=True),
    "fourier.rfft2.float32.1024": rfft2_1024,
    "fourier.fft.complex128.1009": fft1d(1009),
    "fourier.fft.complex128.4096": fft1d(4096),
    "fourier.fftconvolve.float32.512.15": fftconvolve_512,
}

if __name__ == "__main__":
    run(BENCHMARKS, sys.argv[1:])
