"""Stores a float64 mask already divided by the keep probability (m / (1 - p)), so forward and
backward are a single multiplication; float16/float32 inputs come back as float64 (an upcast
the MUST clauses allow). Draws with the global np.random.uniform."""

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not (np.isfinite(p) and 0 <= p < 1):
            raise ValueError(f"bad p: {p}")
        self.p = p
        self.scaled_mask = None

    def forward(self, x, training=True):
        if not training:
            return x
        self.scaled_mask = (np.random.uniform(size=x.shape) >= self.p) / (1.0 - self.p)
        return x * self.scaled_mask

    def backward(self, grad):
        if self.scaled_mask is None:
            raise RuntimeError("forward() was never called")
        return grad * self.scaled_mask
