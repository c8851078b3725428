"""A student's buggy submission (the docs' submissions/bob/dropout.py): backward forgets the scale."""

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not (0 <= p < 1):
            raise ValueError("p must be in [0, 1)")
        self.p = p

    def forward(self, x, training=True):
        if not training:
            return x
        self.mask = np.random.rand(*x.shape) >= self.p
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        return grad * self.mask
