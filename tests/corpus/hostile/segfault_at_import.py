"""Dereferences a null pointer (ctypes.string_at(0)) while being imported: SIGSEGV, no reply."""

import ctypes

import numpy as np

EXPECT_STATUS = "crashed"
EXPECT_MAX_SCORE = 0

ctypes.string_at(0)


class DropoutLayer:  # never reached
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p

    def forward(self, x, training=True):
        return x * (np.random.random_sample(x.shape) >= self.p) / (1 - self.p) if training else x
