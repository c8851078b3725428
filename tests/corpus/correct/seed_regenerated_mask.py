"""Never stores the mask: each training forward draws a 64-bit seed (from a per-instance
random.Random), keeps only that seed and the shape, and both forward and backward rebuild the
identical mask from np.random.default_rng(seed). Memory-cheap, as in activation recomputation."""

STRICT = True  # claims the SHOULD clauses too

import math
import random

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        try:
            p = float(p)
        except (TypeError, ValueError):
            raise ValueError(f"p must be a number, got {p!r}") from None
        if not (math.isfinite(p) and 0.0 <= p < 1.0):
            raise ValueError(f"p must be in [0, 1), got {p!r}")
        self.p = p
        self._seeder = random.Random()
        self._seed = None
        self._shape = None

    def _mask(self):
        return np.random.default_rng(self._seed).random(self._shape) >= self.p

    def forward(self, x, training=True):
        if not training:
            self._seed = None  # backward after inference then raises instead of reusing a stale mask
            return x
        self._seed = self._seeder.getrandbits(64)
        self._shape = np.shape(x)
        return x * self._mask() / (1.0 - self.p)

    def backward(self, grad):
        if self._seed is None:
            raise RuntimeError("backward() before forward(): no seed to rebuild the mask from")
        return grad * self._mask() / (1.0 - self.p)
