"""Hangs the grader with half a frame: at import it writes, on its channel to the grader, a frame
header announcing 1000 bytes followed by 10 of them, then sleeps. A grader that reads frames
without a deadline waits forever whatever --timeout says; this one times out the import."""

import os
import socket
import stat
import time

import numpy as np

EXPECT_STATUS = "timed out"
EXPECT_MAX_SCORE = 0

for fd in range(3, 64):
    try:
        if stat.S_ISSOCK(os.fstat(fd).st_mode):
            sock = socket.socket(fileno=os.dup(fd))
            sock.sendall((1000).to_bytes(8, "little") + b"{" * 10)
            break
    except OSError:
        pass
time.sleep(3600)


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
