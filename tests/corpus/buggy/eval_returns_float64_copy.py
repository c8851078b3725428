"""Inference returns np.array(x, dtype=float), a float64 copy, so float32/float16 inputs change dtype."""

CAUGHT_BY = "infer.identity"

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(f"p out of range: {p}")
        self.p = p

    def forward(self, x, training=True):
        if not training:
            return np.array(x, dtype=float)
        self.mask = np.random.rand(*x.shape) >= self.p
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        return grad * self.mask / (1 - self.p)
