"""Mask from standard-normal draws, randn(...) > p, so the keep rate is 1 - Phi(p), not 1 - p (anchors bug 21)."""

CAUGHT_BY = "train.unbiased"
ALSO_FAILS = ("train.p-zero",)  # at p = 0 half of the elements are dropped

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p

    def forward(self, x, training=True):
        if not training:
            return x
        self.mask = np.random.randn(*x.shape) > self.p
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        return grad * self.mask / (1 - self.p)
