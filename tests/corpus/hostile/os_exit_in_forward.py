"""Kills its own process with os._exit(0) in forward (no exception, no reply, exit status 0).
Each case that calls forward loses its process; the sandbox restarts it for the next case."""

import os

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
        os._exit(0)

    def backward(self, grad):
        return grad * np.asarray(self.mask) / (1 - self.p)
