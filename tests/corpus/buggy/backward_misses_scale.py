"""backward routes through the mask but forgets 1/(1-p): grad * mask (anchors bug 12)."""

CAUGHT_BY = "back.mask-reuse"
ALSO_FAILS = (
    "example.statement",  # [0.1, 0, 0.3, 0] instead of [0.2, 0, 0.6, 0]
)

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
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        return grad * self.mask
