"""Samples the mask as Bernoulli(1 - p) draws with np.random.binomial(1, 1 - p, size) from the
global legacy generator, stored as a uint8 0/1 array (so float16/32 inputs keep their dtype)."""

STRICT = True  # claims the SHOULD clauses too

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if np.isnan(p) or p < 0 or p >= 1:
            raise ValueError("p must satisfy 0 <= p < 1")
        self.p = p
        self.keep_prob = 1.0 - p
        self.mask = None

    def forward(self, x, training=True):
        if not training:
            self.mask = None  # backward after inference then raises instead of reusing a stale mask
            return x
        self.mask = np.random.binomial(1, self.keep_prob, size=x.shape).astype(np.uint8)
        return x * self.mask / self.keep_prob

    def backward(self, grad):
        if self.mask is None:
            raise ValueError("forward must be called before backward")
        return grad * self.mask / self.keep_prob
