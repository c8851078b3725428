"""Out-of-range p silently clipped into [0, 0.99] instead of raising ValueError (keras #9141, anchors bug 8)."""

CAUGHT_BY = "init.invalid-p"
ALSO_FAILS = ("train.values",)  # p = 0.99999 is clipped to 0.99: survivors scaled by 100, not 1e5

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        # be forgiving: keep p in a range where 1/(1-p) stays finite
        self.p = float(np.clip(p, 0.0, 0.99))

    def forward(self, x, training=True):
        if not training:
            return x
        self.mask = np.random.rand(*x.shape) >= self.p
        return x * self.mask / (1.0 - self.p)

    def backward(self, grad):
        return grad * self.mask / (1.0 - self.p)
