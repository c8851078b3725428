"""Mask is a fair coin flip, integers(0, 2), whatever p is; only the scale uses p."""

CAUGHT_BY = "train.unbiased"
ALSO_FAILS = ("train.p-zero",)  # drops half of the elements at p = 0

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p
        self.rng = np.random.default_rng()

    def forward(self, x, training=True):
        if not training:
            return x
        self.mask = self.rng.integers(0, 2, size=x.shape).astype(bool)
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        return grad * self.mask / (1 - self.p)
