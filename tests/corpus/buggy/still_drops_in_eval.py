"""The training flag is accepted but never read, so dropout is still applied in eval (nanoGPT #240, apex #1449)."""

CAUGHT_BY = "infer.identity"
BLOCKED = ("api.training-flag",)  # forward(x, False) is not the identity either: the flag cannot be judged

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p

    def forward(self, x, training=True):
        self.mask = np.random.rand(*x.shape) >= self.p
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        return grad * self.mask / (1 - self.p)
