"""Scaled mask stored as float16 to save memory, so 1/(1-p) is rounded to 11 bits for float64/float32 data."""

CAUGHT_BY = "train.values"
ALSO_FAILS = ("back.mask-reuse",)  # backward multiplies by the same rounded scale

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p

    def forward(self, x, training=True):
        if not training:
            return x
        keep = np.random.rand(*x.shape) >= self.p
        self.mask = (keep / (1 - self.p)).astype(np.float16)
        return x * self.mask

    def backward(self, grad):
        return grad * self.mask
