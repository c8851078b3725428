"""Classic (non-inverted) dropout: no train-time scaling, outputs multiplied by 1-p at inference (anchors bug 3)."""

CAUGHT_BY = "infer.identity"
BLOCKED = ("api.training-flag",)  # forward(x, False) returns x * (1-p): the flag cannot be judged
ALSO_FAILS = (
    "train.values",  # survivors are x, not x/(1-p)
    "back.mask-reuse",  # backward is grad * m, not grad * m/(1-p)
    "example.statement",  # [1, 0, 3, 0] instead of [2, 0, 6, 0]
)

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError("p must be in [0, 1)")
        self.p = p

    def forward(self, x, training=True):
        if training:
            self.mask = np.random.rand(*x.shape) > self.p
            return x * self.mask
        return x * (1 - self.p)

    def backward(self, grad):
        return grad * self.mask
