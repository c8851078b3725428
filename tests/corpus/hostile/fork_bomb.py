"""Forks without end while being imported. The sandbox contains it with RLIMIT_NPROC, which binds
once the child has an identity of its own (its own uid, or its own user namespace without
capabilities); every process then fails to fork, raises, and the import fails.

Safety valve: it refuses to start (raising before the first fork) unless a process limit of at
most 1024 is in force and it is not root, so grading this corpus on an unconfined machine, e.g. as
root at level weak, cannot take the machine down. tests/hostile_batch.py does not grade it at
level weak."""

import os
import resource

EXPECT_STATUS = "import error"
EXPECT_MAX_SCORE = 0

def capable_root():
    """Root with its capabilities (RLIMIT_NPROC does not bind it); root in a user namespace of its
    own, its capabilities dropped, is bound like anyone."""
    if os.geteuid() != 0:
        return False
    try:
        os.setgroups([])  # needs CAP_SETGID
    except OSError:
        return False
    return True


soft, _ = resource.getrlimit(resource.RLIMIT_NPROC)
if capable_root() or soft == resource.RLIM_INFINITY or soft > 1024:
    raise RuntimeError("fork_bomb.py: refusing to fork without a process limit (unconfined sandbox)")

while True:
    os.fork()


class DropoutLayer:  # never reached
    def __init__(self, p):
        self.p = p
