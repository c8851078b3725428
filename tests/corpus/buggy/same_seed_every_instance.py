"""Every layer seeds its own Generator with the same default seed, so all instances draw identical masks (anchors bug 17)."""

CAUGHT_BY = "back.instance-isolation"

import numpy as np


class DropoutLayer:
    def __init__(self, p, seed=0):
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p
        self.rng = np.random.default_rng(seed)

    def forward(self, x, training=True):
        if not training:
            return x
        self.mask = self.rng.random(x.shape) >= self.p
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        return grad * self.mask / (1 - self.p)
