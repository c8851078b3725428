"""Skip sampling: instead of one uniform per element, draws the gaps between dropped positions
from a Geometric(p) distribution (rng.geometric) and marks those positions as dropped. The
resulting mask is exactly an i.i.d. Bernoulli(1-p) sequence over the flattened input, and costs
about p * size draws (nothing at p = 0)."""

import math

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not (0 <= p < 1) or math.isnan(p):
            raise ValueError(f"p={p!r} outside [0, 1)")
        self.p = float(p)
        self.rng = np.random.default_rng()
        self.mask = None

    def _dropped_positions(self, n):
        if self.p == 0.0 or n == 0:
            return np.empty(0, dtype=np.int64)
        chunk = max(16, int(n * self.p * 1.01) + 64)
        found, last = [], -1  # last: flat index of the latest dropped element
        while True:
            idx = last + np.cumsum(self.rng.geometric(self.p, size=chunk))
            found.append(idx[idx < n])
            if idx[-1] >= n:
                return np.concatenate(found)
            last = int(idx[-1])

    def forward(self, x, training=True):
        if not training:
            return x
        x = np.asarray(x)
        keep = np.ones(x.size, dtype=bool)
        keep[self._dropped_positions(x.size)] = False
        self.mask = keep.reshape(x.shape)
        return x * self.mask / (1.0 - self.p)

    def backward(self, grad):
        if self.mask is None:
            raise RuntimeError("forward has not run")
        return grad * self.mask / (1.0 - self.p)
