"""Mask created once and reused while the input shape stays the same ("no need to resample") (anchors bug 17)."""

CAUGHT_BY = "train.fresh-mask"
ALSO_FAILS = (
    "example.statement",  # unless the one cached mask happens to be [1, 0, 1, 0] (1 in 16)
    "train.unbiased",  # about 1 run in 10: 7 of its 8 calls share one mask, so the kept count is far from binomial
)

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p
        self.mask = None

    def forward(self, x, training=True):
        if not training:
            return x
        if self.mask is None or self.mask.shape != x.shape:
            self.mask = np.random.rand(*x.shape) >= self.p
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        return grad * self.mask / (1 - self.p)
