"""An eval call permanently switches the layer to eval mode; later training calls drop nothing (Megatron-LM #411)."""

CAUGHT_BY = "api.training-flag"

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p
        self.training = True

    def forward(self, x, training=True):
        if not training:
            self.training = False  # remember the mode, like module.eval()
        if not self.training:
            return x
        self.mask = np.random.rand(*x.shape) >= self.p
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        return grad * self.mask / (1 - self.p)
