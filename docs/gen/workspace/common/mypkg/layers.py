"""A correct inverted-dropout layer, as a library would write it (the docs' `mypkg.layers:DropoutLayer`)."""

import numpy as np


class DropoutLayer:
    def __init__(self, p=0.5, *, rng=None):
        p = float(p)
        if not 0.0 <= p < 1.0:  # NaN fails both comparisons
            raise ValueError(f"p must be in [0, 1), got {p!r}")
        self.p = p
        self.rng = np.random.default_rng() if rng is None else rng
        self._keep = None

    def forward(self, x, training=True):
        if not training:
            self._keep = None  # a later backward must not reuse a stale training mask
            return x
        self._keep = self.rng.random(np.shape(x)) >= self.p
        return self._apply(x)

    def backward(self, grad):
        if self._keep is None:
            raise RuntimeError("backward needs a training forward first")
        return self._apply(grad)

    def _apply(self, a):
        # divide, not multiply by 1/(1-p) in a's dtype: in float16 near p = 1 that scale is inf
        return np.where(self._keep, a / (1.0 - self.p), 0).astype(a.dtype, copy=False)
