"""Builds fine with any p, but forward insists on a Python float: int 0 and np.float32 p break training."""

CAUGHT_BY = "init.valid-p"
ALSO_FAILS = ("train.p-zero",)  # its int-p case: forward raises TypeError for p = 0 given as an int

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(f"p must be in [0, 1), got {p}")
        self.p = p
        self.mask = None

    def forward(self, x, training=True):
        if not training:
            return x
        if not isinstance(self.p, float):  # np.float64 subclasses float; np.float32 and int do not
            raise TypeError(f"p must be a float, got {type(self.p).__name__}")
        self.mask = np.random.rand(*x.shape) >= self.p
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        if self.mask is None:
            raise RuntimeError("forward first")
        return grad * self.mask / (1 - self.p)
