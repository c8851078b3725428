"""Draws one mask row per pair of rows and repeats it (a 'cheaper' mask): rows 2i and 2i+1 always agree."""

CAUGHT_BY = "train.independent"

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not (0 <= p < 1):
            raise ValueError(f"p must be in [0, 1), got {p}")
        self.p = float(p)
        self.mask = None

    def forward(self, x, training=True):
        if not training:
            self.mask = None
            return x
        if x.ndim < 2:
            self.mask = np.random.rand(*x.shape) >= self.p
        else:
            half = np.random.rand((x.shape[0] + 1) // 2, *x.shape[1:]) >= self.p
            self.mask = np.repeat(half, 2, axis=0)[: x.shape[0]]
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        if self.mask is None:
            raise RuntimeError("forward first")
        return grad * self.mask / (1 - self.p)
