"""Announces a reply body in the exchange file that is not there. In inference forward it finds
the connection's file descriptor and sends a hand-made reply claiming a 1 TB body in the exchange
file (the file holds 32 MB), then exits. A grader that trusts the announced length allocates a
terabyte or reads past the file; the length must be refused before anything is read. Everything
else is correct: 5 honest points."""

import json
import os
import stat
from multiprocessing.connection import Connection

import numpy as np

EXPECT_STATUS = "graded"
EXPECT_MAX_SCORE = 5  # all but infer.identity


def connection_fd():
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        try:
            if fd > 2 and stat.S_ISSOCK(os.fstat(fd).st_mode):
                return fd
        except OSError:
            pass
    return None


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(f"p must be in [0, 1), got {p}")
        self.p = p
        self.mask = None

    def forward(self, x, training=True):
        if not training:
            fd = connection_fd()
            if fd is not None:
                reply = {"ok": True, "kind": "ndarray", "same_input": False, "exchange": 2**40}
                Connection(fd).send_bytes(json.dumps(reply).encode() + b"\0")
            os._exit(0)
        self.mask = np.random.random_sample(x.shape) >= self.p
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        return grad * self.mask / (1 - self.p)
