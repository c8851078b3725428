"""Prints a perfect Gradescope results.json to stdout (at import and in every forward), as if
the grader's own output were scraped for the score. The layer is correct except that it never
validates p, so 5 of the 6 points are honest and the 6th is what the fake claims."""

import json

import numpy as np

EXPECT_STATUS = "graded"
EXPECT_MAX_SCORE = 5  # all but init.invalid-p

FAKE = {
    "score": 6.0,
    "output": "All checks passed.",
    "tests": [{"name": f"check {i}", "score": 1.0, "max_score": 1.0, "status": "passed"} for i in range(6)],
}
print(json.dumps(FAKE), flush=True)


class DropoutLayer:
    def __init__(self, p):
        self.p = p  # never validated: the honest points lost are init.invalid-p's
        self.mask = None

    def forward(self, x, training=True):
        print(json.dumps(FAKE), flush=True)
        if not training:
            return x
        self.mask = np.random.random_sample(x.shape) >= self.p
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        return grad * self.mask / (1 - self.p)
