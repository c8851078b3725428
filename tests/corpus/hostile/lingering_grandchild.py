"""Leaves a process behind: at import it forks; the sandbox's own process exits at once (no
reply), and the grandchild (same process group, no setsid) waits until its parent is gone and
reaped, answers the grader's import with a forged SystemExit reply on the inherited connection,
then keeps planting a perfect results.json in the folder above its sandbox. A grader that kills the
process group only while its leader is alive leaves the grandchild running. In the sandbox the
submission's process exiting ends it all (its exit is a crash: no reply came), and the forged reply,
in another framing than the channel's, could only ever be garbage. It gives up after 60 s so that
a failed run cannot leave it behind for long."""

import json
import os
import stat
import time
from multiprocessing.connection import Connection

EXPECT_STATUS = "crashed"
EXPECT_MAX_SCORE = 0

MARKER = "HOSTILE-PLANTED-RESULTS"


def connection_fd():
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        try:
            if fd > 2 and stat.S_ISSOCK(os.fstat(fd).st_mode):
                return fd
        except OSError:
            pass
    return None


if os.fork() != 0:
    os._exit(0)
time.sleep(0.5)
fd = connection_fd()
if fd is not None:
    reply = {"ok": False, "error": "SystemExit", "mro": ["SystemExit", "BaseException", "object"], "message": "0"}
    Connection(fd).send_bytes(json.dumps(reply).encode() + b"\0")
target = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.getcwd()))), "results.json")
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    try:
        with open(target, "w") as fh:
            json.dump({"score": 6.0, "tests": [], "output": MARKER}, fh)
    except OSError:
        pass
    time.sleep(0.2)
os._exit(0)


class DropoutLayer:  # never reached
    def __init__(self, p):
        self.p = p
