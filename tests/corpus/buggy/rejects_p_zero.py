"""p = 0 rejected: the range check is written 0 < p < 1 instead of 0 <= p < 1 (anchors bug 29)."""

CAUGHT_BY = "init.valid-p"
ALSO_FAILS = ("train.values",)  # its float16 mask holds 1/(1-p) = inf at p = 0.99999: every survivor is inf

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not 0 < p < 1:
            raise ValueError(f"dropout probability must be in (0, 1), got {p}")
        self.p = p
        self.mask = None

    def forward(self, x, training=True):
        if not training:
            return x
        self.mask = ((np.random.rand(*x.shape) > self.p) / (1 - self.p)).astype(x.dtype)
        return x * self.mask

    def backward(self, grad):
        return grad * self.mask
