"""RNG endpoint off by one: randint(0, 2**16) / 2**16 > p drops the draws equal to 0, so p = 0 still drops (mxnet #9816)."""

CAUGHT_BY = "train.p-zero"
ALSO_FAILS = ("train.unbiased",)  # at p = 0.99999 nothing is kept: its largest draw, 65535/65536, is below p

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p

    def forward(self, x, training=True):
        if not training:
            return x
        u = np.random.randint(0, 2**16, size=x.shape) / 2**16
        self.mask = u > self.p
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        return grad * self.mask / (1 - self.p)
