"""Training forward and backward return a 1 GB array (np.zeros(10**9, dtype=np.uint8); zero pages,
so cheap to make). It is larger than the largest result the sandbox ships (MAX_RESULT_BYTES), so
the grader learns only its type; it must not try to receive or decode a gigabyte."""

import numpy as np

EXPECT_STATUS = "graded"
EXPECT_MAX_SCORE = 2  # init.invalid-p, infer.identity


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(f"p must be in [0, 1), got {p}")
        self.p = p

    def forward(self, x, training=True):
        if not training:
            return x
        return np.zeros(10**9, dtype=np.uint8)

    def backward(self, grad):
        return np.zeros(10**9, dtype=np.uint8)
