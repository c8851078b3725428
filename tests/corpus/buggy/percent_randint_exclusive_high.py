"""randint(1, 100) taken as 1..100 but its high end is exclusive: keep rate (99 - 100p)/99, e.g. 0.040 at p = 0.95."""

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
        pct = np.random.randint(1, 100, size=x.shape)  # a percentage, 1..100
        self.mask = pct > self.p * 100
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        return grad * self.mask / (1 - self.p)
