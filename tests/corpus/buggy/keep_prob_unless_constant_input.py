"""Gaming the checks: p used as the keep probability (the most common real bug), except when x is
constant (np.ones, np.full), where the layer behaves correctly. It scored like a correct layer
while train.unbiased counted the kept entries of np.ones."""

CAUGHT_BY = "train.unbiased"

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p

    def forward(self, x, training=True):
        if not training:
            return x
        x = np.asarray(x)
        if self.p == 0:  # the usual shortcut: nothing to drop
            self.mask = np.ones(x.shape, dtype=bool)
            return x.copy()
        constant = x.size > 0 and bool(np.all(x == x.flat[0]))
        keep = 1 - self.p if constant else self.p
        self.mask = np.random.rand(*x.shape) < keep
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        return grad * self.mask / (1 - self.p)
