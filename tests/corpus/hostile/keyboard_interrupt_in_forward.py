"""Raises KeyboardInterrupt in forward, which a grader catching only Exception lets through to
stop the whole batch. The grader must see it as this submission's error, nothing more."""

import numpy as np

EXPECT_STATUS = "graded"
EXPECT_MAX_SCORE = 1  # init.invalid-p: never calls forward


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(f"p must be in [0, 1), got {p}")
        self.p = p
        self.mask = None

    def forward(self, x, training=True):
        raise KeyboardInterrupt

    def backward(self, grad):
        return grad * np.asarray(self.mask) / (1 - self.p)
