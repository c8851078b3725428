"""isinstance(p, (int, float)) raises TypeError for np.float32/np.float16 p (anchors bug 29)."""

CAUGHT_BY = "init.numpy-p"  # np.float32 and np.float16 p; np.float64 subclasses float and passes
ALSO_FAILS = ("lifecycle.inference",)  # backward after an inference call reuses the training mask

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not isinstance(p, (int, float)):
            raise TypeError(f"p must be a number, got {type(p)}")
        if p < 0 or p >= 1 or p != p:
            raise ValueError(f"invalid dropout probability {p}")
        self.p = p

    def forward(self, x, training=True):
        if training:
            self.mask = np.random.rand(*x.shape) >= self.p
            return np.where(self.mask, x / (1 - self.p), 0.0)
        return x

    def backward(self, grad):
        return np.where(self.mask, grad / (1 - self.p), 0.0)
