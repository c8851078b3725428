"""Validates p correctly, then spins forever in every forward call. Only construction-time
clauses can pass; each forward call is killed at the per-call limit, and the submission's time
budget runs out long before every case has had its turn."""

EXPECT_STATUS = "timed out"
EXPECT_MAX_SCORE = 1  # init.invalid-p: never calls forward


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(f"p must be in [0, 1), got {p}")
        self.p = p
        self.mask = None

    def forward(self, x, training=True):
        while True:
            pass

    def backward(self, grad):
        return grad
