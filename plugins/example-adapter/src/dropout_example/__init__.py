"""A minimal DropoutLayer, packaged the way docs/adapters.md describes."""

from pathlib import Path

import numpy as np

XFAILS = str(Path(__file__).with_name("xfails.toml"))


class DropoutLayer:
    def __init__(self, p, *, seed=None):
        p = float(p)  # accepts ints and numpy scalars; rejects strings with ValueError
        if not 0.0 <= p < 1.0:  # False for NaN too
            raise ValueError(f"p must satisfy 0 <= p < 1, got {p!r}")
        self.p = p
        self._rng = np.random.default_rng(seed)
        self._mask = None  # scaled mask (m / (1-p)) of the latest training forward
        self._called = False

    def forward(self, x, training=True):
        self._called = True
        x = np.asarray(x)
        if not training:
            self._mask = None
            return x.copy()  # deliberate: a copy, listed in xfails.toml (infer.returns-input)
        keep = self._rng.random(x.shape) >= self.p
        self._mask = keep.astype(x.dtype) / x.dtype.type(1.0 - self.p)
        return x * self._mask

    def backward(self, grad):
        if not self._called:
            raise RuntimeError("backward() before forward()")
        grad = np.asarray(grad)
        return grad if self._mask is None else grad * self._mask
