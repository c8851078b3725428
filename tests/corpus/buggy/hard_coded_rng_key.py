"""JAX habit without split: a Generator is rebuilt from the same stored key on every call (anchors bug 17)."""

CAUGHT_BY = "train.fresh-mask"
ALSO_FAILS = (
    "back.instance-isolation",  # every layer has key 42, so two layers draw the same mask
    "example.statement",  # the single mask key 42 gives for 4 elements is not [1, 0, 1, 0]
)

import numpy as np


class DropoutLayer:
    def __init__(self, p, key=42):
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p
        self.key = key

    def forward(self, x, training=True):
        if not training:
            return x
        rng = np.random.default_rng(self.key)  # forgot to split / advance the key
        keep = rng.random(x.shape) >= self.p
        self.keep = keep
        return np.where(keep, x / (1 - self.p), 0.0)

    def backward(self, grad):
        return np.where(self.keep, grad / (1 - self.p), 0.0)
