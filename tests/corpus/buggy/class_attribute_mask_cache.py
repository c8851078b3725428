"""Mutable class attribute `cache = {}` holds the mask, so every instance shares it (anchors bug 18)."""

CAUGHT_BY = "back.instance-isolation"
ALSO_FAILS = ("back.before-forward",)  # a never-forwarded layer returns another layer's gradient when its mask shape fits

import numpy as np


class DropoutLayer:
    cache = {}

    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p

    def forward(self, x, training=True):
        if not training:
            return x
        self.cache["mask"] = np.random.rand(*x.shape) >= self.p
        return x * self.cache["mask"] / (1 - self.p)

    def backward(self, grad):
        if "mask" not in self.cache:
            raise RuntimeError("forward must be called before backward")
        return grad * self.cache["mask"] / (1 - self.p)
