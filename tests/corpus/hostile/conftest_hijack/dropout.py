"""A submission folder whose conftest.py tries to hijack pytest (every report forced to
"passed"). The grader never runs pytest where submission code lives, so the conftest is inert. The
layer is correct except that it never validates p (5 honest points of 6)."""

import numpy as np

EXPECT_STATUS = "graded"
EXPECT_MAX_SCORE = 5  # all but init.invalid-p


class DropoutLayer:
    def __init__(self, p):
        self.p = p  # never validated: the honest points lost are init.invalid-p's
        self.mask = None

    def forward(self, x, training=True):
        if not training:
            return x
        self.mask = np.random.random_sample(x.shape) >= self.p
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        return grad * self.mask / (1 - self.p)
