"""A correct inverted-dropout layer, as a library would write it (the docs' `mypkg.layers:DropoutLayer`)."""

import numpy as np


class DropoutLayer:
    def __init__(self, p=0.5, *, rng=None):
        p = float(p)
        if not 0.0 <= p < 1.0:  # NaN fails both comparisons
            raise ValueError(f"p must be in [0, 1), got {p!r}")
        self.p = p
        self.rng = np.random.default_rng() if rng is None else rng
        self._scale = None

    def forward(self, x, training=True):
        if not training:
            self._scale = None  # a later backward must not reuse a stale training mask
            return x
        keep = self.rng.random(np.shape(x)) >= self.p
        self._scale = keep * np.asarray(1.0 / (1.0 - self.p), dtype=x.dtype)
        return x * self._scale

    def backward(self, grad):
        if self._scale is None:
            raise RuntimeError("backward needs a training forward first")
        return grad * self._scale
