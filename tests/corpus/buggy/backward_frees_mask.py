"""backward frees the mask (self.mask = None) to save memory, so a second backward raises TypeError."""

CAUGHT_BY = "back.repeatable"
ALSO_FAILS = ("back.mask-reuse",)  # it calls backward twice after one forward

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
        self.mask = np.random.rand(*x.shape) >= self.p
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        mask, self.mask = self.mask, None
        return grad * mask / (1 - self.p)
