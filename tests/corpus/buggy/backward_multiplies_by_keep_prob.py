"""backward multiplies by 1-p instead of dividing: grad * mask * (1 - p)."""

CAUGHT_BY = "back.mask-reuse"
ALSO_FAILS = (
    "example.statement",  # [0.05, 0, 0.15, 0] instead of [0.2, 0, 0.6, 0]
)

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p
        self.keep_prob = 1.0 - p

    def forward(self, x, training=True):
        if not training:
            return x
        self.mask = np.random.rand(*x.shape) < self.keep_prob
        return x * self.mask / self.keep_prob

    def backward(self, grad):
        return grad * self.mask * self.keep_prob
