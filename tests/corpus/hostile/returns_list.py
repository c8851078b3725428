"""Training forward and backward return Python lists with the right values. Inference returns
its input. The grader must not turn a list into an array on the student's behalf."""

import numpy as np

EXPECT_STATUS = "graded"
EXPECT_MAX_SCORE = 2  # init.invalid-p, infer.identity


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
        return (x * self.mask / (1 - self.p)).tolist()

    def backward(self, grad):
        return (grad * self.mask / (1 - self.p)).tolist()
