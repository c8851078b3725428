"""torch-style `if p < 0 or p > 1: raise ValueError` accepts p = 1 and lets NaN through (anchors bugs 7, 9)."""

CAUGHT_BY = "init.invalid-p"
ALSO_FAILS = ("train.values",)  # x * mask * (1/(1-p)) in float16 at p = 0.99999: dropped 0 * inf = NaN

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.rng = np.random.default_rng()

    def forward(self, x, training=True):
        if not training:
            return x
        self.mask = self.rng.random(x.shape) >= self.p
        return x * self.mask * (1.0 / (1.0 - self.p))

    def backward(self, grad):
        return grad * self.mask * (1.0 / (1.0 - self.p))
