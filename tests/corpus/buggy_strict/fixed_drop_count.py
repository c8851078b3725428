"""Drops exactly round(p*n) elements per call via a permutation: unbiased, but not Bernoulli (anchors bug 25)."""

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
        n = x.size
        drop = np.random.permutation(n)[: int(round(self.p * n))]
        mask = np.ones(n, dtype=bool)
        mask[drop] = False
        self.mask = mask.reshape(x.shape)
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        if self.mask is None:
            raise RuntimeError("forward first")
        return grad * self.mask / (1 - self.p)
