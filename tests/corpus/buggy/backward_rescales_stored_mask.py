"""backward scales the stored mask in place (self.mask /= 1-p), so every further backward is scaled again."""

CAUGHT_BY = "back.repeatable"
ALSO_FAILS = ("back.mask-reuse",)  # its second backward gets 1/(1-p)**2

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p

    def forward(self, x, training=True):
        if not training:
            return x
        self.mask = (np.random.rand(*x.shape) >= self.p).astype(x.dtype)
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        self.mask /= 1 - self.p
        return grad * self.mask
