"""forward defaults to training=False, so forward(x) is the identity (anchors bug 28)."""

CAUGHT_BY = "api.training-flag"
ALSO_FAILS = (
    # every training check calls forward(x) without the flag, so it sees no dropout and backward
    # finds no mask
    "train.values",
    "train.fresh-mask",
    "train.full-mask",
    "train.unbiased",
    "train.p-zero",
    "back.mask-reuse",
    "back.repeatable",
    "back.instance-isolation",
    "example.statement",
)

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p

    def forward(self, x, training=False):
        if training:
            self.mask = np.random.rand(*x.shape) >= self.p
            return x * self.mask / (1 - self.p)
        return x

    def backward(self, grad):
        return grad * self.mask / (1 - self.p)
