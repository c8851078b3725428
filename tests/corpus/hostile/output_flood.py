"""Prints 100 MB while being imported. Output volume never costs points: the grader drains the
sandbox's output socket, keeps the first OUTPUT_CAP bytes, drops the rest and notes it ("output
truncated after 64 KB"); the print never fails inside the submission, which is graded in full."""

import numpy as np

EXPECT_STATUS = "graded"
EXPECT_MAX_SCORE = 6

print("flood " * (100 * 2**20 // 6), flush=True)


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
