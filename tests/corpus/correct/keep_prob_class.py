"""A class that takes the keep probability, as from-scratch libraries and book code often do
(``Dropout(keep_prob=0.8)``), with ``retain_prob`` naming it; checked with ``keep-prob:``."""

import numpy as np

CONVENTION = "keep-prob"
STRICT = True


class Dropout:
    def __init__(self, retain_prob):
        retain_prob = float(retain_prob)
        if not 0.0 < retain_prob <= 1.0:  # False for NaN too
            raise ValueError(f"retain_prob must satisfy 0 < retain_prob <= 1, got {retain_prob!r}")
        self.retain_prob = retain_prob
        self.mask = None
        self.seen = False

    def forward(self, x, training=True):
        self.seen = True
        if not training:
            self.mask = None
            return x
        x = np.asarray(x)
        self.mask = np.random.uniform(size=x.shape) < self.retain_prob
        return self._apply(x)

    def backward(self, grad):
        if not self.seen:
            raise RuntimeError("backward before forward")
        return grad if self.mask is None else self._apply(np.asarray(grad))

    def _apply(self, a):
        dtype = a.dtype if np.issubdtype(a.dtype, np.inexact) else np.dtype(np.float64)
        wide = np.promote_types(dtype, np.float64)
        with np.errstate(over="ignore"):
            return np.where(self.mask, a.astype(wide) / self.retain_prob, 0).astype(dtype)


IMPL_ATTR = "Dropout"
