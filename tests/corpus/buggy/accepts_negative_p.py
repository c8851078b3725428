"""Only the upper bound is checked, so negative p (and NaN) are accepted (keras #9141, anchors bug 8)."""

CAUGHT_BY = "init.invalid-p"
ALSO_FAILS = ("train.values",)  # x * mask * scale in float16 at p = 0.99999: scale inf, dropped 0 * inf = NaN

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if p >= 1:
            raise ValueError("p must be less than 1, otherwise everything is dropped")
        self.p = p

    def forward(self, x, training=True):
        if not training:
            return x
        scale = 1 / (1 - self.p)
        self.mask = np.random.random(x.shape) >= self.p
        return x * self.mask * scale

    def backward(self, grad):
        return grad * self.mask * (1 / (1 - self.p))
