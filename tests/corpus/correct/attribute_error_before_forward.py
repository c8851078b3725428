"""Never initialises the mask attribute in __init__: backward before forward fails with the
natural AttributeError on self.mask (any exception satisfies back.before-forward)."""

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not (0.0 <= p < 1.0):
            raise ValueError("p must be in [0, 1)")
        self.p = p
        self.rng = np.random.default_rng()

    def forward(self, x, training=True):
        if not training:
            return x
        self.mask = self.rng.random(x.shape) >= self.p
        return x * self.mask / (1.0 - self.p)

    def backward(self, grad):
        return grad * self.mask / (1.0 - self.p)
