"""Integer p rejected: only float types are accepted, so DropoutLayer(0) raises (anchors bug 29)."""

CAUGHT_BY = "init.valid-p"

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not isinstance(p, (float, np.floating)):
            raise ValueError(f"p must be a float, got {type(p).__name__}")
        if not 0.0 <= p < 1.0:
            raise ValueError(f"p must be in [0, 1), got {p}")
        self.p = float(p)

    def forward(self, x, training=True):
        if not training:
            return x
        keep = 1.0 - self.p
        self._mask = np.random.binomial(1, keep, size=x.shape).astype(bool)
        return x * self._mask / keep

    def backward(self, grad):
        return grad * self._mask / (1.0 - self.p)
