"""Invalid p raises a bare Exception rather than ValueError, so `except ValueError` callers miss it."""

CAUGHT_BY = "init.invalid-p"

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not (0 <= p < 1):
            raise Exception("Dropout probability should be in [0, 1)")
        self.p = p

    def forward(self, x, training=True):
        if not training:
            return x
        self.mask = np.random.binomial(1, 1 - self.p, size=x.shape).astype(x.dtype)
        return self.mask * x / (1 - self.p)

    def backward(self, grad):
        return self.mask * grad / (1 - self.p)
