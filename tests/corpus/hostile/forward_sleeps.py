"""Sleeps an hour in forward: no CPU used, so only a wall-clock limit (not RLIMIT_CPU) ends it."""

import time

import numpy as np

EXPECT_STATUS = "timed out"
EXPECT_MAX_SCORE = 1  # init.invalid-p: never calls forward


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(f"p must be in [0, 1), got {p}")
        self.p = p
        self.mask = None

    def forward(self, x, training=True):
        time.sleep(3600)
        self.mask = np.random.random_sample(x.shape) >= self.p
        return x * self.mask / (1 - self.p) if training else x

    def backward(self, grad):
        return grad * self.mask / (1 - self.p)
