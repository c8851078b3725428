"""Fast path `if p == 0: return x` in forward stores no mask, so backward at p = 0 raises AttributeError."""

CAUGHT_BY = "train.p-zero"

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p

    def forward(self, x, training=True):
        if not training or self.p == 0:
            return x
        self.mask = np.random.rand(*x.shape) >= self.p
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        return grad * self.mask / (1 - self.p)
