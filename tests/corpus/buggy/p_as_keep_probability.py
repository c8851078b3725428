"""p used as the keep probability instead of the drop probability (jax stax #849, tflearn #1085)."""

CAUGHT_BY = "train.unbiased"
ALSO_FAILS = ("train.p-zero",)  # at p = 0 it keeps nothing

import numpy as np
class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1: raise ValueError(p)
        self.p = p
    def forward(self, x, training=True):
        if not training: return x
        self.mask = np.random.rand(*x.shape) < self.p   # p used as keep prob
        return x * self.mask / (1 - self.p)
    def backward(self, grad):
        return grad * self.mask / (1 - self.p)
