"""Returns object arrays of values that claim to equal anything (__eq__ True, __abs__ 0,
__float__ of the right answer), the classic way to fool a checker that compares in-process. An
object array is not a numeric ndarray, so it is never decoded; only validation can pass."""

import numpy as np

EXPECT_STATUS = "graded"
EXPECT_MAX_SCORE = 1  # init.invalid-p


class Agreeable:
    def __init__(self, value):
        self.value = float(value)

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __abs__(self):
        return 0.0

    def __sub__(self, other):
        return Agreeable(0.0)

    __rsub__ = __sub__

    def __float__(self):
        return self.value

    def __hash__(self):
        return 0


agreeable = np.frompyfunc(Agreeable, 1, 1)


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(f"p must be in [0, 1), got {p}")
        self.p = p
        self.mask = None

    def forward(self, x, training=True):
        if training:
            self.mask = np.random.random_sample(np.shape(x)) >= self.p
            return agreeable(x * self.mask / (1 - self.p))
        return agreeable(x)

    def backward(self, grad):
        return agreeable(grad * self.mask / (1 - self.p))
