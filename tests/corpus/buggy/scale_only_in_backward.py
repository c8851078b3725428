"""1/(1-p) applied in backward only: forward returns x * mask, so the worked example gives [1, 0, 3, 0]."""

CAUGHT_BY = "example.statement"
ALSO_FAILS = ("train.values",)  # survivors equal x, not x/(1-p)

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
        return x * self.mask

    def backward(self, grad):
        return grad * self.mask / (1 - self.p)
