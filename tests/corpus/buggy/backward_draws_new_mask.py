"""backward samples a fresh random mask instead of reusing the one from forward."""

CAUGHT_BY = "back.repeatable"
ALSO_FAILS = (
    "back.mask-reuse",  # the new mask is not forward's
    "example.statement",  # unless backward's new mask happens to be [1, 0, 1, 0] (1 in 16)
)

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p
        self.called = False

    def _mask(self, shape):
        return np.random.rand(*shape) >= self.p

    def forward(self, x, training=True):
        self.called = True
        if not training:
            return x
        return x * self._mask(x.shape) / (1 - self.p)

    def backward(self, grad):
        if not self.called:
            raise RuntimeError("backward before forward")
        return grad * self._mask(grad.shape) / (1 - self.p)
