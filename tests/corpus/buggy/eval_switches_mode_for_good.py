"""An inference call sets self.training = False, and later calls that omit the flag stay in inference (Megatron-LM #411)."""

CAUGHT_BY = "api.training-flag"

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not (0 <= p < 1):
            raise ValueError(f"p must be in [0, 1), got {p}")
        self.p = float(p)
        self.mask = None
        self.training = True

    def forward(self, x, training=None):
        if training is not None:
            self.training = training
        if not self.training:
            self.mask = None
            return x
        self.mask = np.random.rand(*x.shape) >= self.p
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        if self.mask is None:
            if self.training:
                raise RuntimeError("forward first")
            return grad
        return grad * self.mask / (1 - self.p)
