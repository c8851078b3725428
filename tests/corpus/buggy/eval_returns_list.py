"""Inference returns list(x) (a list of rows) instead of the array (anchors bug 27)."""

CAUGHT_BY = "infer.identity"
BLOCKED = ("api.training-flag",)  # forward(x, False) is a list too: the flag cannot be judged

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p

    def forward(self, x, training=True):
        if not training:
            return list(x)
        self.mask = np.random.rand(*x.shape) >= self.p
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        return grad * self.mask / (1 - self.p)
