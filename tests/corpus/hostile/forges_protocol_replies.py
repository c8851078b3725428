"""Writes its own replies on the connection to the grader instead of returning. In inference
forward it finds the connection's file descriptor and sends a hand-made reply whose JSON header
is 10 MB (an error message that long), then exits. A grader that parses any header it is sent, and
quotes the message in full, holds megabytes per call and writes them into every report; the header
must be refused from its size. Everything else is correct: 5 honest points."""

import json
import os
import stat
from multiprocessing.connection import Connection

import numpy as np

EXPECT_STATUS = "graded"
EXPECT_MAX_SCORE = 5  # all but infer.identity

BOMB = "x" * (10 * 2**20)


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
                reply = {"ok": False, "error": "ValueError", "mro": ["ValueError", "Exception"], "message": BOMB}
                Connection(fd).send_bytes(json.dumps(reply).encode() + b"\0")
            os._exit(0)
        self.mask = np.random.random_sample(x.shape) >= self.p
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        return grad * self.mask / (1 - self.p)
