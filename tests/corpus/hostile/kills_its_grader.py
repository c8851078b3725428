"""Kills the processes that grade it: at import it walks its ancestors through /proc and SIGKILLs
the sandbox's keeper, the fork server and the grader's pool worker (every ancestor whose command
line is a multiprocessing worker's or the fork server's; it spares the rest, so that a test run at
level weak keeps its test runner). In a PID namespace there is no ancestor to see (no /proc, and
pid 1 is its own init), and Landlock's signal scoping refuses it; without either, the grader must
survive it: a dead pool worker is replaced, this submission alone is scored as lost, and the rest
of the batch is graded."""

import os
import signal

import numpy as np

EXPECT_STATUS = "graded"
EXPECT_MAX_SCORE = 6


def parent_of(pid):
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return int(fh.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


def graders(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            line = fh.read()
    except OSError:
        return False
    return b"multiprocessing" in line or b"sandbox.server" in line


pid = os.getppid()
while pid > 1:
    above = parent_of(pid)
    if graders(pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    pid = above


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
