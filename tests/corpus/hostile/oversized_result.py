"""For p > 0.5, backward returns 33 MiB of uint8: under the child's MAX_RESULT_BYTES, so the
sandbox ships it, but over the parent's MAX_ELEMENTS (32 Mi), so the parent must refuse it from its
.npy header before decoding, and restart the process for the next case. Everything else is correct
(p > 0.5 keeps the number of 33 MiB messages, and the test's time, small)."""

import numpy as np

EXPECT_STATUS = "graded"
EXPECT_MAX_SCORE = 5  # all but back.mask-reuse


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
        if self.p > 0.5:
            return np.zeros(33 * 2**20, dtype=np.uint8)
        return grad * self.mask / (1 - self.p)
