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
        self._keep = None  # the mask of the latest training forward
        self._called = False

    def forward(self, x, training=True):
        self._called = True
        x = np.asarray(x)
        if not training:
            self._keep = None
            return x.copy()  # deliberate: a copy, listed in xfails.toml (infer.returns-input)
        self._keep = self._rng.random(x.shape) >= self.p
        return self._apply(x)

    def backward(self, grad):
        if not self._called:
            raise RuntimeError("backward() before forward()")
        grad = np.asarray(grad)
        return grad if self._keep is None else self._apply(grad)

    def _apply(self, a):
        # a / (1-p) where kept, never a * (1/(1-p)) in a's dtype: in float16 near p = 1 that scale is inf
        return np.where(self._keep, a / (1.0 - self.p), 0).astype(a.dtype, copy=False)
