"""p = 1 accepted: the check is 0 <= p <= 1, so the layer divides by zero later (pytorch #1833, keras #9141)."""

CAUGHT_BY = "init.invalid-p"

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p <= 1:
            raise ValueError("p must be between 0 and 1")
        self.p = p

    def forward(self, x, training=True):
        if not training:
            return x
        self.mask = np.random.uniform(size=x.shape) > self.p
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        return grad * self.mask / (1 - self.p)
