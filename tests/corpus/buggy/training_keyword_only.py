"""`training` made keyword-only (`forward(self, x, *, training=True)`), so forward(x, False) raises TypeError (anchors bug 28)."""

CAUGHT_BY = "api.training-flag"

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(f"rate must be in [0, 1), got {p}")
        self.p = p
        self._rng = np.random.default_rng()

    def forward(self, x, *, training=True):
        if not training:
            return x
        self._mask = self._rng.random(x.shape) >= self.p
        return np.where(self._mask, x / (1 - self.p), 0).astype(x.dtype)

    def backward(self, grad):
        return np.where(self._mask, grad / (1 - self.p), 0).astype(grad.dtype)
