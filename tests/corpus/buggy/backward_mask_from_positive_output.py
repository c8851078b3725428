"""ReLU habit in backward: mask rebuilt as out > 0, so kept negative (and zero) inputs get no gradient (anchors bug 13)."""

CAUGHT_BY = "back.mask-reuse"

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p

    def forward(self, x, training=True):
        if not training:
            return x
        keep = np.random.rand(*x.shape) >= self.p
        self.cache = np.where(keep, x / (1 - self.p), 0.0)
        return self.cache

    def backward(self, grad):
        return np.where(self.cache > 0, grad / (1 - self.p), 0.0)
