"""Talks through the kernel's keyrings, which belong to no namespace: at import it leaves a note in
its session keyring (shared, possessed, with every process of the grader's login session when the
sandbox inherits it) and prints the keyring's id ("session keyring: N"), so the test can compare it
with the grader's. The sandbox joins a new, empty session keyring before any submission code runs,
and empties the user keyrings of its uid when it ends."""

import ctypes

import numpy as np

EXPECT_STATUS = "graded"
EXPECT_MAX_SCORE = 6

SYS_ADD_KEY, SYS_KEYCTL = 248, 250  # x86_64
KEY_SPEC_SESSION_KEYRING = -3
libc = ctypes.CDLL(None, use_errno=True)
session = libc.syscall(SYS_KEYCTL, 0, KEY_SPEC_SESSION_KEYRING, 0)  # KEYCTL_GET_KEYRING_ID
note = b"HOSTILE-KEYRING-NOTE"
libc.syscall(SYS_ADD_KEY, b"user", b"dropout-hostile-note", note, len(note), KEY_SPEC_SESSION_KEYRING)
print(f"session keyring: {session}", flush=True)


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
