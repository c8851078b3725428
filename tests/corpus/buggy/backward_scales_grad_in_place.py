"""backward scales the incoming gradient in place and returns it (anchors bug 14; two public
layers do this): the same grad array passed twice gives 2g, then 4g."""

CAUGHT_BY = "back.repeatable"

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
        self.mask = np.random.rand(*x.shape) >= self.p
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        if self.mask is None:
            raise RuntimeError("forward first")
        grad *= self.mask
        grad /= 1 - self.p
        return grad
