"""Forks without end while being imported. The sandbox contains it with RLIMIT_NPROC, which only
binds once the child has dropped root for an unprivileged user; every process then fails to fork,
raises, and the import fails.

Safety valve: it refuses to start (raising before the first fork) unless a process limit of at
most 1024 is in force and it is not root, so grading this corpus on an unconfined machine, e.g. as
root without privilege dropping, cannot take the machine down. tests/test_grader.py grades it only
when the sandbox can drop privileges."""

import os
import resource

EXPECT_STATUS = "import error"
EXPECT_MAX_SCORE = 0

soft, _ = resource.getrlimit(resource.RLIMIT_NPROC)
if os.geteuid() == 0 or soft == resource.RLIM_INFINITY or soft > 1024:
    raise RuntimeError("fork_bomb.py: refusing to fork without a process limit (unconfined sandbox)")

while True:
    os.fork()


class DropoutLayer:  # never reached
    def __init__(self, p):
        self.p = p
