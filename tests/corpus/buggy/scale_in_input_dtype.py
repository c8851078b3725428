"""The scale 1/(1-p) is computed in the input's dtype, as framework layers do, and multiplied into
the masked input: for float16 and p close to 1 the scale is inf, and every dropped entry comes out
as 0 * inf = NaN instead of 0."""

CAUGHT_BY = "train.values"

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p
        self.rng = np.random.default_rng()

    def forward(self, x, training=True):
        if not training:
            return x
        x = np.asarray(x)
        with np.errstate(over="ignore", invalid="ignore"):
            self.scale = np.asarray(1.0 / (1.0 - self.p)).astype(x.dtype)
            self.mask = (self.rng.random(x.shape) >= self.p).astype(x.dtype)
            return x * self.mask * self.scale

    def backward(self, grad):
        with np.errstate(invalid="ignore"):
            return grad * self.mask * self.scale
