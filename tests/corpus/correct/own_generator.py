"""Each instance owns a np.random.Generator (np.random.default_rng(seed), seed optional), draws
uniforms with rng.uniform and keeps an element when u < 1 - p (rather than u >= p); the
validation goes through math.isfinite."""

STRICT = True  # claims the SHOULD clauses too

import math

import numpy as np


class DropoutLayer:
    def __init__(self, p, seed=None):
        if not math.isfinite(p) or not 0 <= p < 1:
            raise ValueError(f"invalid dropout rate {p}")
        self.p = float(p)
        self.q = 1.0 - self.p
        self.rng = np.random.default_rng(seed)
        self.keep = None

    def forward(self, x, training=True):
        if not training:
            self.keep = None  # backward after inference then raises instead of reusing a stale mask
            return x
        self.keep = self.rng.uniform(0.0, 1.0, size=np.shape(x)) < self.q
        return x * self.keep / self.q

    def backward(self, grad):
        if self.keep is None:
            raise RuntimeError("call forward before backward")
        return grad * self.keep / self.q
