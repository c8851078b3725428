"""A course function pair that never reads ``dropout_param["mode"]``: it drops in test mode too,
so a model evaluated with ``mode = "test"`` is still noisy."""

import numpy as np

CONVENTION = "function-pair=drop"
CAUGHT_BY = "infer.identity"


def dropout_forward(x, dropout_param):
    p = dropout_param["p"]
    if not 0 <= p < 1:
        raise ValueError("p must be a drop probability in [0, 1)")
    mask = (np.random.rand(*x.shape) >= p) / (1 - p)
    return x * mask, (dropout_param, mask)


def dropout_backward(dout, cache):
    _, mask = cache
    return dout * mask
