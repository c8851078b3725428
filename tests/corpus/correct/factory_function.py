"""A factory function instead of a class: make_dropout(p) validates p and returns a
SimpleNamespace whose forward/backward closures share a private state dict and Generator."""

IMPL_ATTR = "make_dropout"

import math
from types import SimpleNamespace

import numpy as np


def make_dropout(p):
    if not math.isfinite(p) or p < 0 or p >= 1:
        raise ValueError(f"make_dropout: p must be in [0, 1), got {p}")
    keep = 1.0 - float(p)
    rng = np.random.default_rng()
    state = {}

    def forward(x, training=True):
        if not training:
            return x
        state["mask"] = rng.random(np.shape(x)) < keep
        return x * state["mask"] / keep

    def backward(grad):
        if "mask" not in state:
            raise RuntimeError("dropout backward before forward")
        return grad * state["mask"] / keep

    return SimpleNamespace(p=p, forward=forward, backward=backward)
