"""docs/manifests.md's example: a layer that, like torch.nn.Dropout, accepts p = 1 and returns zeros."""

from pathlib import Path

import numpy as np

XFAILS = Path(__file__).with_name("xfails.toml")


class DropoutLayer:
    def __init__(self, p=0.5):
        p = float(p)
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"p must be in [0, 1], got {p!r}")
        self.p = p
        self._keep = None

    def forward(self, x, training=True):
        if not training:
            self._keep = None  # a later backward must not reuse a stale training mask
            return x
        self._keep = np.random.random(np.shape(x)) >= self.p  # p = 1: nothing kept
        return self._apply(x)

    def backward(self, grad):
        if self._keep is None:
            raise RuntimeError("backward needs a training forward first")
        return self._apply(grad)

    def _apply(self, a):
        if self.p == 1.0:
            return np.zeros(np.shape(a), dtype=a.dtype)
        # divide, not multiply by 1/(1-p) in a's dtype: in float16 near p = 1 that scale is inf
        return np.where(self._keep, a / (1.0 - self.p), 0).astype(a.dtype, copy=False)
