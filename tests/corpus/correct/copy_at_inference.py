"""Returns a defensive copy, x.copy(), at inference instead of x itself (allowed: equal shape,
dtype and values); samples with the global np.random.rand(*shape)."""

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if p is None or np.isnan(p) or np.isinf(p) or not (0 <= p < 1):
            raise ValueError("dropout p must be in [0, 1)")
        self.p = p
        self.mask = None

    def forward(self, x, training=True):
        if not training:
            return x.copy()
        self.mask = (np.random.rand(*x.shape) >= self.p).astype(x.dtype)
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        if self.mask is None:
            raise RuntimeError("no forward pass yet")
        return grad * self.mask / (1 - self.p)
