"""Writes into a zero-filled buffer with np.divide(x, 1 - p, out=buf, where=mask): dropped
entries are never computed and stay exactly 0. The buffer has the input's floating dtype
(float64 for integer inputs)."""

import math

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not isinstance(p, (int, float, np.number)) or not math.isfinite(p) or not 0 <= p < 1:
            raise ValueError(f"p must be a finite number in [0, 1), got {p!r}")
        self.p = float(p)
        self.keep = 1.0 - self.p
        self.rng = np.random.default_rng()
        self.mask = None

    def _masked(self, a):
        a = np.asarray(a)
        dtype = a.dtype if a.dtype.kind == "f" else np.float64
        buf = np.zeros(a.shape, dtype=dtype)
        np.divide(a, self.keep, out=buf, where=self.mask, casting="same_kind")
        return buf

    def forward(self, x, training=True):
        if not training:
            return x
        self.mask = self.rng.random(np.shape(x)) >= self.p
        return self._masked(x)

    def backward(self, grad):
        if self.mask is None:
            raise RuntimeError("forward() first")
        return self._masked(grad)
