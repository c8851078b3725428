"""Reads a private file through a link: notes.txt is a symbolic link to /etc/shadow, which a
grader running as root would copy into the sandbox as text; the layer prints it at import, so it
would land in the feedback. Refused at intake: links are never followed."""

import os

import numpy as np

EXPECT_STATUS = "refused"
EXPECT_MAX_SCORE = 0

print(open(os.path.join(os.path.dirname(__file__), "notes.txt")).read())


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
