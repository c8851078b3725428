"""Litters: at import it writes files into /tmp, /var/tmp, /dev/shm, its TMPDIR, its working
folder and every folder above it up to /tmp. Whatever it could write must be gone when the grader exits:
the grader's temporary folders (and everything in them) are removed, also on errors."""

import os
import stat

import numpy as np

EXPECT_STATUS = "graded"
EXPECT_MAX_SCORE = 6

NAME = "hostile-leftover.txt"
targets = {"/tmp", "/var/tmp", "/dev/shm", os.environ.get("TMPDIR", "/tmp"), os.getcwd()}
folder = os.getcwd()
while folder != os.path.dirname(folder):  # hygiene: not above the first world-writable sticky folder
    folder = os.path.dirname(folder)
    try:
        mode = os.stat(folder).st_mode
    except OSError:
        break
    if mode & stat.S_ISVTX and mode & stat.S_IWOTH:
        break
    targets.add(folder)
for target in targets:
    try:
        with open(os.path.join(target, NAME), "w") as fh:
            fh.write("left behind\n")
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
