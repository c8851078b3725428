"""forward's flag is called `train`, so forward(x, training=False) raises TypeError (anchors bug 28)."""

CAUGHT_BY = "api.training-flag"
ALSO_FAILS = ("infer.identity",)  # it calls forward(x, training=False)

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p

    def forward(self, x, train=True):
        if not train:
            return x
        self.mask = np.random.rand(*x.shape) >= self.p
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        return grad * self.mask / (1 - self.p)
