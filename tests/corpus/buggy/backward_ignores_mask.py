"""backward ignores the mask and only rescales: grad / (1-p) flows to dropped units too (numpy-ml #94)."""

CAUGHT_BY = "back.mask-reuse"
ALSO_FAILS = (
    "back.before-forward",  # needs no mask, so it never raises
    "example.statement",  # [0.2, 0.4, 0.6, 0.8] instead of [0.2, 0, 0.6, 0]
)

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p

    def forward(self, x, training=True):
        if not training:
            return x
        self.mask = np.random.rand(*x.shape) >= self.p
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        return grad / (1 - self.p)
