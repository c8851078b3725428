"""loop is a symbolic link to its own folder: a copy that follows links recurses until the path
is too long or the disk is full. Refused at intake without following it."""

import numpy as np

EXPECT_STATUS = "refused"
EXPECT_MAX_SCORE = 0


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(f"p must be in [0, 1), got {p}")
        self.p = p
        self.mask = None

    def forward(self, x, training=True):
        if not training:
            return x
        self.mask = np.random.random_sample(x.shape) >= self.p
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        return grad * self.mask / (1 - self.p)
