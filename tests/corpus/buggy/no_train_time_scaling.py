"""Inverted scaling forgotten: training returns x * mask, survivors are not divided by 1-p (anchors bug 3)."""

CAUGHT_BY = "train.values"
ALSO_FAILS = (
    "back.mask-reuse",  # backward is grad * mask
    "example.statement",  # [1, 0, 3, 0] instead of [2, 0, 6, 0]
)

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p

    def forward(self, x, training=True):
        if not training:
            return x
        self.mask = np.random.rand(*x.shape) >= self.p
        return x * self.mask

    def backward(self, grad):
        return grad * self.mask
