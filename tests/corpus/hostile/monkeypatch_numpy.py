"""Disarms numpy's comparisons in its own process (np.testing.assert_allclose and friends become
no-ops, np.array_equal/np.allclose always say True), hoping the checks run there. Its backward
forgets the 1/(1-p) scale (back.mask-reuse must still fail) and overwrites its gradient in place,
which must still be seen with np.array_equal rigged (tests/test_grader.py grades no-mutation)."""

import numpy as np
import numpy.testing

EXPECT_STATUS = "graded"
EXPECT_MAX_SCORE = 5  # all but back.mask-reuse


def _silent(*args, **kwargs):
    return None


def _yes(*args, **kwargs):
    return True


for _name in ("assert_allclose", "assert_array_equal", "assert_array_almost_equal", "assert_equal", "assert_almost_equal"):
    setattr(numpy.testing, _name, _silent)
np.array_equal = _yes
np.array_equiv = _yes
np.allclose = _yes
np.isclose = _yes


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
        out = grad * self.mask
        if self.p > 0:
            grad *= 2  # the caller's gradient is not the caller's any more
        return out
