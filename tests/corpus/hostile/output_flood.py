"""Prints 100 MB while being imported. The captured output is capped by RLIMIT_FSIZE (the write
fails with EFBIG instead of filling the disk), so the import raises and the grader keeps at most
OUTPUT_CAP bytes of it."""

import numpy as np

EXPECT_STATUS = "import error"
EXPECT_MAX_SCORE = 0

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
