"""Mask drawn per sample (first axis) and broadcast over the remaining axes: whole rows dropped (anchors bug 23)."""

CAUGHT_BY = "train.full-mask"
ALSO_FAILS = (
    "train.unbiased",  # about 9 runs in 10: one draw per row makes the kept count far from binomial
    "train.fresh-mask",  # when the drawn shape has few rows, the mask has as few random bits,
    "back.instance-isolation",  # so two calls, or two layers, can draw the same one
)

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p
        self.rng = np.random.default_rng()

    def forward(self, x, training=True):
        if not training:
            return x
        shape = (x.shape[0],) + (1,) * (x.ndim - 1)
        self.mask = self.rng.random(shape) >= self.p
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        return grad * self.mask / (1 - self.p)
