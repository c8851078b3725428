"""Mask drawn as rand(x.shape[0], x.shape[1]): written for (batch, features), breaks on any other rank (anchors bug 22)."""

CAUGHT_BY = "train.output-shape"
ALSO_FAILS = (
    # forward raises on rank 1, 3 and 4 inputs, which these checks use
    "train.values",
    "train.fresh-mask",
    "train.full-mask",
    "train.unbiased",
    "train.p-zero",
    "back.mask-reuse",
    "back.instance-isolation",
    "example.statement",
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
        self.mask = ((np.random.rand(x.shape[0], x.shape[1]) > self.p) / (1 - self.p)).astype(x.dtype)
        return x * self.mask

    def backward(self, grad):
        return grad * self.mask
