"""backward rebuilds the mask as out != 0, which also zeroes the gradient wherever x was 0 (kaldi #3890)."""

CAUGHT_BY = "back.mask-reuse"

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p

    def forward(self, x, training=True):
        if not training:
            return x
        mask = np.random.rand(*x.shape) >= self.p
        self.out = x * mask / (1 - self.p)
        return self.out

    def backward(self, grad):
        return grad * (self.out != 0) / (1 - self.p)
