"""Gaming the checks: p used as the keep probability, except when x is evenly spaced in memory
order (np.arange, np.linspace, a constant), where the layer behaves correctly."""

CAUGHT_BY = "train.unbiased"

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p

    def forward(self, x, training=True):
        if not training:
            return x
        x = np.asarray(x)
        if self.p == 0:  # the usual shortcut: nothing to drop
            self.mask = np.ones(x.shape, dtype=bool)
            return x.copy()
        steps = np.diff(x.ravel())
        even = steps.size == 0 or bool(np.allclose(steps, steps[0]))
        self.mask = np.random.rand(*x.shape) < (1 - self.p if even else self.p)
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        return grad * self.mask / (1 - self.p)
