"""Masks queued per forward and backward reads self.masks[0]: the first forward's mask, not the latest."""

CAUGHT_BY = "back.mask-reuse"
ALSO_FAILS = (
    "example.statement",  # unless the layer's first mask happens to be [1, 0, 1, 0] (1 in 16)
    "train.p-zero",  # backward after a second, smaller forward uses the first forward's mask (wrong shape)
)

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p
        self.masks = []

    def forward(self, x, training=True):
        if not training:
            return x
        mask = np.random.rand(*x.shape) >= self.p
        self.masks.append(mask)
        return x * mask / (1 - self.p)

    def backward(self, grad):
        return grad * self.masks[0] / (1 - self.p)
