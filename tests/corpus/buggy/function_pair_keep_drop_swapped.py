"""A course function pair whose course says ``p`` is the keep probability, but whose mask drops
with probability p (the older years' reading) while the scale divides by p (the new one): each
element survives with the drop probability. The instructor's choice (``function-pair=keep``) is
right; the student swapped keep and drop. Seen in public solutions of the 2017 assignment."""

import numpy as np

CONVENTION = "function-pair=keep"
CAUGHT_BY = "train.unbiased"
ALSO_FAILS = ("example.statement", "train.p-zero")  # at p = 0 the keep probability 1 drops everything


def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if not 0 < p <= 1:
        raise ValueError("p must be a keep probability in (0, 1]")
    if mode == "train":
        mask = (np.random.rand(*x.shape) >= p) / p
        return x * mask, (dropout_param, mask)
    return x, (dropout_param, None)


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    return dout * mask if dropout_param["mode"] == "train" else dout
