"""Flax-style `deterministic` confusion: the training flag is used with inverted meaning (anchors bug 28)."""

CAUGHT_BY = "infer.identity"
ALSO_FAILS = (
    # training=False now trains and the default (True) is the identity, so every training check
    # that calls forward(x) sees no dropout at all
    "api.training-flag",
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
        self.mask = None

    def forward(self, x, training=True):
        deterministic = training  # flax: deterministic=True means no dropout
        if deterministic:
            return x
        self.mask = np.random.rand(*x.shape) >= self.p
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        return grad * self.mask / (1 - self.p)
