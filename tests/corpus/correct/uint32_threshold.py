"""Integer mask sampling, as in GPU kernels: draws uint32 integers in [0, 2**32) and keeps an
element when r >= round(p * 2**32); the threshold is a np.uint64 so p close to 1 (threshold
2**32) still compares correctly. The keep probability is off from 1-p by at most 2**-33."""

import math

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if isinstance(p, bool) or not isinstance(p, (int, float, np.floating)):
            raise ValueError(f"p must be a real number, got {type(p).__name__}")
        if not (0.0 <= p < 1.0) or math.isnan(p):
            raise ValueError(f"p out of range: {p}")
        self.p = float(p)
        self.threshold = np.uint64(round(self.p * 2.0**32))
        self.keep = 1.0 - self.p
        self.rng = np.random.default_rng()
        self.mask = None

    def forward(self, x, training=True):
        if not training:
            return x
        r = self.rng.integers(0, 2**32, size=x.shape, dtype=np.uint32)
        self.mask = r >= self.threshold
        return x * self.mask / self.keep

    def backward(self, grad):
        if self.mask is None:
            raise RuntimeError("forward has not been called")
        return grad * self.mask / self.keep
