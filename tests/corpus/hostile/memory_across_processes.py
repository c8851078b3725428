"""Uses more memory than its limit by spreading it over processes: the address-space limit
(--memory, 2 GB in the test batch) binds each process alone, so three children holding 800 MB
each take 2.4 GB. Where the sandbox has a memory cgroup of its own, the limit binds the sandbox as
a whole: the kernel kills a child past it, and at most two hold their 800 MB. It prints how many
did ("held: N"); the layer itself is correct. The kernel takes seconds to reclaim, then kill, at a
cgroup's limit (3 to 5 s on an idle machine, up to 8.3 s on a busy one), which the test batch's call
limit of 12 s allows for."""

import os
import time

import numpy as np

EXPECT_STATUS = "graded"
EXPECT_MAX_SCORE = 6

children = []
for _ in range(3):
    pid = os.fork()
    if pid == 0:
        block = np.ones(100 * 2**20)  # 800 MB, every page touched
        time.sleep(1.0)
        os._exit(0 if block[-1] == 1.0 else 1)
    children.append(pid)
held = 0
for pid in children:
    _, status = os.waitpid(pid, 0)
    held += os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
print(f"held: {held}", flush=True)


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
