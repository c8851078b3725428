"""Replaces np.random.seed with a function that raises, so the grader's own "reseed the child
before each check" step fails (it travels with each check's first call into the child). A grader
that lets that error escape loses the whole batch, not just this submission. Every case fails or
is blocked instead, and the reason says the reseeding failed."""

import numpy as np

EXPECT_STATUS = "graded"
EXPECT_MAX_SCORE = 0


def _refuse(*args, **kwargs):
    raise RuntimeError("no reseeding today")


np.random.seed = _refuse


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
