"""A course function pair whose backward ignores the cache it is given and reuses the one its
forward left in a module global: with two layers (two dropout layers in one network), backward
of the first routes the gradient through the second one's mask."""

import numpy as np

CONVENTION = "function-pair=keep"
CAUGHT_BY = "back.instance-isolation"

_last = {}


def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if not 0 < p <= 1:
        raise ValueError("p must be a keep probability in (0, 1]")
    mask = (np.random.rand(*x.shape) < p) / p if mode == "train" else None
    out = x * mask if mode == "train" else x
    cache = (dropout_param["mode"], mask)
    _last["cache"] = cache
    return out, cache


def dropout_backward(dout, cache):
    if cache is None:
        raise ValueError("no cache: call dropout_forward first")
    mode, mask = _last["cache"]
    return dout * mask if mode == "train" else dout
