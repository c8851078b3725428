"""Training forward builds its output row by row and returns a Python list (anchors bug 27)."""

CAUGHT_BY = "train.output-shape"

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p

    def forward(self, x, training=True):
        if not training:
            return x
        self.mask = np.random.rand(*x.shape) >= self.p
        scale = 1 / (1 - self.p)
        return [row * m * scale for row, m in zip(x, self.mask)]

    def backward(self, grad):
        return grad * self.mask / (1 - self.p)
