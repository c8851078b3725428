"""Builds the output with np.where(mask, x / (1 - p), 0.0) instead of multiplying by the mask;
the mask comes from a module-level Generator shared by all instances (each instance still
stores its own mask)."""

import numpy as np

_rng = np.random.default_rng()


class DropoutLayer:
    def __init__(self, p):
        p = float(p)
        if p != p or not 0.0 <= p < 1.0:
            raise ValueError(f"p={p} not in [0, 1)")
        self.p = p
        self._mask = None

    def forward(self, x, training=True):
        if not training:
            return x
        self._mask = _rng.random(x.shape) >= self.p
        return np.where(self._mask, x / (1.0 - self.p), 0.0)

    def backward(self, grad):
        if self._mask is None:
            raise RuntimeError("backward without forward")
        return np.where(self._mask, grad / (1.0 - self.p), 0.0)
