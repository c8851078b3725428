"""Integer mask sampling with the threshold computed from p exactly as given:
round(p * 2**32). For a Python float, an int 0 or a np.float64 that is exact to 2**-33; for a
np.float16 p the product overflows (np.float16 * 2**32 is inf under numpy 2), which only the SHOULD
clause init.numpy-p asks about: this layer is correct for every p the statement's "float" names."""

import math

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not (0 <= p < 1) or math.isnan(p):
            raise ValueError(f"p must be in [0, 1), got {p}")
        self.p = p
        self.threshold = round(self.p * 2**32)  # an int: 2**32 itself when p rounds up to it
        self.rng = np.random.default_rng()
        self.mask = None

    def forward(self, x, training=True):
        if not training:
            return x
        r = self.rng.integers(0, 2**32, size=np.shape(x), dtype=np.uint64)
        self.mask = r >= self.threshold
        return np.where(self.mask, x / (1 - self.p), 0).astype(np.result_type(x, 1.0))

    def backward(self, grad):
        if self.mask is None:
            raise RuntimeError("backward before forward")
        return np.where(self.mask, grad / (1 - self.p), 0).astype(np.result_type(grad, 1.0))
