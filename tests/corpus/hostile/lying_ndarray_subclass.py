"""Returns an ndarray subclass holding zeros whose comparisons, ufuncs and array functions all
lie: == is all True, != all False, np.allclose/np.testing see a match. Only a plain ndarray, copied
out of the submission's process, may be judged; this one is not, so only validation can pass."""

import numpy as np

EXPECT_STATUS = "graded"
EXPECT_MAX_SCORE = 1  # init.invalid-p


class Liar(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(self), dtype=bool)

    def __ne__(self, other):
        return np.zeros(np.shape(self), dtype=bool)

    def __abs__(self):
        return np.zeros(np.shape(self))

    def __sub__(self, other):
        return np.zeros(np.shape(self))

    def __array_function__(self, func, types, args, kwargs):
        return True

    def __bool__(self):
        return True


def liar(shape, dtype):
    return np.zeros(shape, dtype=dtype).view(Liar)


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(f"p must be in [0, 1), got {p}")
        self.p = p

    def forward(self, x, training=True):
        return liar(np.shape(x), np.asarray(x).dtype)

    def backward(self, grad):
        return liar(np.shape(grad), np.asarray(grad).dtype)
