"""Training forward returns the tuple (out, mask) instead of out (anchors bug 27)."""

CAUGHT_BY = "train.output-shape"

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p

    def forward(self, x, training=True):
        if not training:
            return x
        mask = np.random.binomial(1, 1 - self.p, size=x.shape).astype(bool)
        self.mask = mask
        return x * mask / (1 - self.p), mask

    def backward(self, grad):
        return grad * self.mask / (1 - self.p)
