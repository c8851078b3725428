"""NaN p accepted: `p < 0 or p >= 1` is False for NaN, and so is every other comparison (anchors bug 9)."""

CAUGHT_BY = "init.invalid-p"

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if p < 0 or p >= 1:
            raise ValueError(f"p={p} is outside [0, 1)")
        self.p = p

    def forward(self, x, training=True):
        if not training:
            return x
        self.mask = (np.random.rand(*x.shape) >= self.p).astype(x.dtype)
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        return grad * self.mask / (1 - self.p)
