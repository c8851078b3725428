"""A correct layer whose backward dereferences a null pointer: the crash costs the clauses whose
checks call backward and nothing else; the sandbox restarts the process for every later case."""

import ctypes

import numpy as np

EXPECT_STATUS = "graded"
EXPECT_MAX_SCORE = 4  # not back.mask-reuse, nor train.p-zero (its check calls backward too)


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
        ctypes.string_at(0)
        return grad * self.mask / (1 - self.p)
