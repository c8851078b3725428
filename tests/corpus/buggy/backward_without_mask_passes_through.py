"""backward with no stored mask returns grad unchanged instead of raising, hiding a missing forward call."""

CAUGHT_BY = "back.before-forward"

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p
        self.mask = None

    def forward(self, x, training=True):
        if not training:
            return x
        self.mask = np.random.rand(*x.shape) >= self.p
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        if self.mask is None:
            return grad
        return grad * self.mask / (1 - self.p)
