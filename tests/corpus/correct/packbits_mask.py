"""Stores the mask compactly, one bit per element (np.packbits over the flattened mask), and
unpacks it with np.unpackbits(count=...) in backward; survivors are divided by 1-p with np.divide(where=mask)
into zeros. Uses a per-instance default_rng."""

STRICT = True  # claims the SHOULD clauses too

import math

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        p = float(p)
        if math.isnan(p) or p < 0.0 or p >= 1.0:
            raise ValueError(f"p must be in [0, 1), got {p!r}")
        self.p = p
        self.keep = 1.0 - p
        self._rng = np.random.default_rng()
        self._bits = None  # packed uint8 bits of the latest mask
        self._shape = None

    def _unpack(self):
        n = math.prod(self._shape)
        return np.unpackbits(self._bits, count=n).reshape(self._shape).view(bool)

    def forward(self, x, training=True):
        if not training:
            self._bits = None  # backward after inference then raises instead of reusing a stale mask
            return x
        x = np.asarray(x)
        keep = self._rng.random(x.shape) >= self.p
        self._bits = np.packbits(keep.ravel())
        self._shape = x.shape
        return np.divide(x, self.keep, out=np.zeros_like(x, dtype=np.result_type(x, 1.0)), where=keep)

    def backward(self, grad):
        if self._bits is None:
            raise RuntimeError("no mask stored: call forward first")
        return np.divide(grad, self.keep, out=np.zeros_like(grad, dtype=np.result_type(grad, 1.0)), where=self._unpack())
