"""A correct forward, and a backward that raises SystemExit(0), which would end a grader that
ran it in-process or caught only Exception."""

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
        raise SystemExit(0)
