"""Mask kept in a module-level global, so all layers overwrite one mask (anchors bug 18)."""

CAUGHT_BY = "back.instance-isolation"
ALSO_FAILS = ("back.before-forward",)  # a never-forwarded layer returns another layer's gradient when its mask shape fits

import numpy as np

_mask = None


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p

    def forward(self, x, training=True):
        global _mask
        if not training:
            return x
        _mask = np.random.rand(*x.shape) >= self.p
        return x * _mask / (1 - self.p)

    def backward(self, grad):
        if _mask is None:
            raise RuntimeError("no mask: call forward first")
        return grad * _mask / (1 - self.p)
