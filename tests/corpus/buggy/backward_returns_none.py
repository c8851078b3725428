"""backward computes the gradient into self.dx and forgets to return it."""

CAUGHT_BY = "back.mask-reuse"
ALSO_FAILS = (
    "train.p-zero",  # backward must return grad at p = 0
    "back.repeatable",  # None cannot be compared as an array
    "example.statement",  # backward([0.1, 0.2, 0.3, 0.4]) is None
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
        self.dx = grad * self.mask / (1 - self.p)
