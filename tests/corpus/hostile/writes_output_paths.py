"""Plants a perfect results.json wherever a grader might read one: the working folder,
/autograder/results/, and every folder above its working folder together with each of their
immediate subfolders (where an output folder next to the sandbox would be). The grader must write
its reports itself, after the child is gone, from what it received over its own channel.

Hygiene: it stops climbing at the first world-writable sticky folder (/tmp) or the root, and
plants only files named results.json holding the MARKER, so a test can find and remove them.
The layer is correct except that it never validates p (5 honest points of 6)."""

import json
import os
import stat

import numpy as np

EXPECT_STATUS = "graded"
EXPECT_MAX_SCORE = 5  # all but init.invalid-p

MARKER = "HOSTILE-PLANTED-RESULTS"
FAKE = json.dumps({"score": 6.0, "tests": [], "output": MARKER})


def plant(folder):
    try:
        with open(os.path.join(folder, "results.json"), "w") as fh:
            fh.write(FAKE)
    except OSError:
        pass


def plant_everywhere():
    plant(os.getcwd())
    plant("/autograder/results")
    folder = os.path.dirname(os.getcwd())
    while folder != os.path.dirname(folder):
        mode = os.stat(folder).st_mode
        if mode & stat.S_ISVTX and mode & stat.S_IWOTH:
            break
        plant(folder)
        try:
            children = [os.path.join(folder, name) for name in os.listdir(folder)]
        except OSError:
            children = []
        for child in children:
            if os.path.isdir(child) and not os.path.islink(child):
                plant(child)
        folder = os.path.dirname(folder)


plant_everywhere()


class DropoutLayer:
    def __init__(self, p):
        self.p = p  # never validated: the honest points lost are init.invalid-p's
        self.mask = None

    def forward(self, x, training=True):
        if not training:
            return x
        self.mask = np.random.random_sample(x.shape) >= self.p
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        return grad * self.mask / (1 - self.p)
