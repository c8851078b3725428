"""Dropout2d-style mask of shape x.shape[:2] broadcast over the trailing (spatial) axes (anchors bug 23)."""

CAUGHT_BY = "train.full-mask"

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p

    def forward(self, x, training=True):
        if not training:
            return x
        # drop whole channels: (N, C, 1, 1, ...) broadcast over H, W
        shape = x.shape[:2] + (1,) * (x.ndim - 2)
        self.mask = np.random.binomial(1, 1 - self.p, size=shape).astype(bool)
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        return grad * self.mask / (1 - self.p)
