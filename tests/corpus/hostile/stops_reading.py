"""Stops reading its channel: at import it shrinks the channel's receive buffer to the minimum
and replaces the sandbox's frame reader with a sleep (found among the garbage collector's
objects: the integrity policy takes the kit's modules out of sys.modules, not out of memory), so
a grader sending a request blocks in send() as soon as the socket is full. Every send and read of the grader has a deadline: each call
times out, then the whole submission does."""

import gc
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
            with socket.socket(fileno=os.dup(fd)) as sock:  # a socket object closes its descriptor when it goes
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1)
    except OSError:
        pass
for module in [o for o in gc.get_objects() if type(o) is type(os)]:
    if hasattr(module, "recv_frame"):
        module.recv_frame = lambda *args: time.sleep(3600)


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
