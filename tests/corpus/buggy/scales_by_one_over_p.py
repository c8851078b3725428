"""Survivors scaled by 1/p instead of 1/(1-p) (kaldi #2814); at p = 0.5 the two agree."""

CAUGHT_BY = "train.values"
ALSO_FAILS = (
    "train.p-zero",  # 1/0: inf and nan at p = 0
    "back.mask-reuse",  # backward scales by 1/p too
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
        self.mask = np.random.rand(*x.shape) > self.p
        return x * self.mask / self.p

    def backward(self, grad):
        return grad * self.mask / self.p
