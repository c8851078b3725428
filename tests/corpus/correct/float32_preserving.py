"""Keeps the input's floating dtype explicitly: the scale 1/(1-p) is computed once in float64
and cast to the input dtype (dtype.type(scale)), the product is formed in that dtype and the
dropped entries are then selected away with np.where (where the scale overflows the dtype, the product is formed
in float64 and rounded). Uses a per-instance legacy np.random.RandomState."""

STRICT = True  # claims the SHOULD clauses too

import math

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not isinstance(p, (int, float, np.integer, np.floating)) or isinstance(p, bool):
            raise ValueError(f"p must be a real number, got {p!r}")
        p = float(p)
        if not math.isfinite(p) or p < 0.0 or p >= 1.0:
            raise ValueError(f"p must be finite and in [0, 1), got {p!r}")
        self.p = p
        self._scale64 = 1.0 / (1.0 - p)
        self._rs = np.random.RandomState()
        self._keep = None

    def _apply(self, a):
        a = np.asarray(a)
        dtype = a.dtype if np.issubdtype(a.dtype, np.floating) else np.dtype(np.float64)
        with np.errstate(over="ignore"):
            scale = dtype.type(self._scale64)
            if np.isinf(scale):  # 1/(1-p) beyond float16's range: 0 * inf would be NaN, so widen
                out = np.multiply(a, self._scale64, dtype=np.float64).astype(dtype)
            else:
                out = np.multiply(a, scale, dtype=dtype)
        return np.where(self._keep, out, 0)  # not out * keep: a survivor may be inf, and inf * 0 is NaN

    def forward(self, x, training=True):
        if not training:
            self._keep = None  # backward after inference then raises instead of reusing a stale mask
            return x
        self._keep = self._rs.random_sample(np.shape(x)) >= self.p
        return self._apply(x)

    def backward(self, grad):
        if self._keep is None:
            raise RuntimeError("backward() requires a preceding training forward()")
        return self._apply(grad)
