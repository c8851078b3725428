"""Scaled twice: the stored mask already holds 1/(1-p) and forward divides by 1-p again (anchors bug 4)."""

CAUGHT_BY = "train.values"
ALSO_FAILS = ("example.statement",)  # [4, 0, 12, 0] instead of [2, 0, 6, 0]

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p

    def forward(self, x, training=True):
        if not training:
            return x
        self.mask = ((np.random.rand(*x.shape) >= self.p) / (1 - self.p)).astype(x.dtype)
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        return grad * self.mask
