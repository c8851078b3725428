"""Asks for 50 GB in forward (a Python list) and in backward (a numpy array). The address-space
limit turns both into a MemoryError inside the sandbox instead of an OOM kill on the host."""

import numpy as np

EXPECT_STATUS = "graded"
EXPECT_MAX_SCORE = 1  # init.invalid-p: never calls forward

FIFTY_GB = 50 * 2**30


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(f"p must be in [0, 1), got {p}")
        self.p = p
        self.mask = None

    def forward(self, x, training=True):
        hoard = [0.0] * (FIFTY_GB // 8)
        self.mask = np.random.random_sample(x.shape) >= self.p
        return x * self.mask / (1 - self.p) + len(hoard) * 0 if training else x

    def backward(self, grad):
        hoard = np.ones(FIFTY_GB, dtype=np.uint8)
        return grad * self.mask / (1 - self.p) + hoard[0] * 0
