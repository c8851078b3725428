"""Mask drawn over the last axis only and broadcast over the batch: every row drops the same units (anchors bug 23)."""

CAUGHT_BY = "train.full-mask"
ALSO_FAILS = ("train.unbiased",)  # one 64-entry mask per (rows, 64) call: the kept count is not binomial

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p

    def forward(self, x, training=True):
        if not training:
            return x
        self.mask = np.random.rand(x.shape[-1]) >= self.p  # one mask per feature
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        return grad * self.mask / (1 - self.p)
