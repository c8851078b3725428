"""Draws a half-width mask and repeats each entry twice along the last axis (anchors bug 26)."""

CAUGHT_BY = "example.statement"  # on 4 elements the mask is [a, a, b, b]: never [1, 0, 1, 0]

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not (0 <= p < 1):
            raise ValueError(f"p must be in [0, 1), got {p}")
        self.p = float(p)
        self.mask = None

    def forward(self, x, training=True):
        if not training:
            return x
        flat = x.reshape(-1)
        half = np.random.rand((flat.size + 1) // 2) >= self.p
        self.mask = np.repeat(half, 2)[: flat.size].reshape(x.shape)
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        if self.mask is None:
            raise RuntimeError("forward first")
        return grad * self.mask / (1 - self.p)
