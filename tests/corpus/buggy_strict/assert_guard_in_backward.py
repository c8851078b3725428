"""backward's guard is an assert: an AssertionError today, nothing at all under python -O (anchors bug 10)."""

CAUGHT_BY = "back.before-forward-error"

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
        assert self.mask is not None, "call forward first"
        return grad * self.mask / (1 - self.p)
