"""Persists into later runs: at import it writes a .pth file (which Python runs at every start)
into every folder on its sys.path and into site.getsitepackages(), the grader's venv among them.
Run from an instructor's venv, every later grader would import it. The sandbox's view of the
filesystem is read-only outside its private folder, so no such file may appear."""

import os
import site
import sys

import numpy as np

EXPECT_STATUS = "graded"
EXPECT_MAX_SCORE = 6

NAME = "zz_dropout_hostile.pth"
folders = set(sys.path)
try:
    folders.update(site.getsitepackages())
except AttributeError:
    pass
for folder in folders:
    try:
        with open(os.path.join(folder or ".", NAME), "w") as fh:
            fh.write("import os; os.environ['DROPOUT_HOSTILE_PTH'] = '1'\n")
    except OSError:
        pass


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
