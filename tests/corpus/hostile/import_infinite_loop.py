"""Spins forever while being imported: the per-call limit must end the import, not the grader."""

import numpy as np

EXPECT_STATUS = "timed out"
EXPECT_MAX_SCORE = 0

while True:
    pass


class DropoutLayer:  # never reached
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p

    def forward(self, x, training=True):
        return x * (np.random.random_sample(x.shape) >= self.p) / (1 - self.p) if training else x
