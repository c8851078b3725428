"""Divides by the keep probability (x * m / (1 - p)) instead of multiplying by a precomputed
reciprocal; draws the mask from the global legacy generator (np.random.random_sample) and
validates p with one chained comparison, which NaN fails like any out-of-range value."""

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:  # NaN compares False both ways, so it is rejected here too
            raise ValueError(f"dropout probability must be in [0, 1), got {p}")
        self.p = p
        self.mask = None

    def forward(self, x, training=True):
        if not training:
            return x
        self.mask = np.random.random_sample(x.shape) >= self.p
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        if self.mask is None:
            raise RuntimeError("backward called before forward")
        return grad * self.mask / (1 - self.p)
