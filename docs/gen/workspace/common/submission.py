"""A student's correct submission (the docs' dropout.py, alice/dropout.py, path/to/submission.py)."""

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not (0 <= p < 1):
            raise ValueError("p must be in [0, 1)")
        self.p = p
        self.mask = None

    def forward(self, x, training=True):
        if not training:
            return x
        self.mask = np.random.rand(*x.shape) >= self.p
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        if self.mask is None:
            raise RuntimeError("forward was never called")
        return grad * self.mask / (1 - self.p)
