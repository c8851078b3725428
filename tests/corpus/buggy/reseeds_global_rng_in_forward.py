"""np.random.seed(0) inside forward "for reproducibility": every call draws the same mask (anchors bug 17)."""

CAUGHT_BY = "train.fresh-mask"
ALSO_FAILS = (
    "back.instance-isolation",  # two layers draw the identical mask too
    "example.statement",  # the one mask seed 0 gives for 4 elements is not [1, 0, 1, 0]
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
        np.random.seed(0)
        self.mask = np.random.rand(*x.shape) >= self.p
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        return grad * self.mask / (1 - self.p)
