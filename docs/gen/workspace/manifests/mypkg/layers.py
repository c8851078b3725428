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
        self._scale = None

    def forward(self, x, training=True):
        if not training:
            self._scale = None  # a later backward must not reuse a stale training mask
            return x
        if self.p == 1.0:
            self._scale = np.zeros(np.shape(x), dtype=x.dtype)
        else:
            keep = np.random.random(np.shape(x)) >= self.p
            self._scale = keep * np.asarray(1.0 / (1.0 - self.p), dtype=x.dtype)
        return x * self._scale

    def backward(self, grad):
        if self._scale is None:
            raise RuntimeError("backward needs a training forward first")
        return grad * self._scale
