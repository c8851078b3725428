"""p validated with `assert`: AssertionError instead of ValueError, and no check at all under -O (anchors bug 10)."""

CAUGHT_BY = "init.invalid-p"

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        assert 0 <= p < 1, "dropout probability must be in [0, 1)"
        self.p = p

    def forward(self, x, training=True):
        if not training:
            return x
        self.mask = np.random.rand(*x.shape) > self.p
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        return grad * self.mask / (1 - self.p)
