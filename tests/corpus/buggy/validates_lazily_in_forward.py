"""p validated in forward instead of at construction, so DropoutLayer(1.5) builds without error (anchors bug 8)."""

CAUGHT_BY = "init.invalid-p"

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        self.p = p
        self.mask = None

    def forward(self, x, training=True):
        if not 0 <= self.p < 1:
            raise ValueError(f"invalid dropout probability {self.p}")
        if not training:
            return x
        self.mask = np.random.rand(*x.shape) >= self.p
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        if self.mask is None:
            raise RuntimeError("call forward first")
        return grad * self.mask / (1 - self.p)
