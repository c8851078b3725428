"""float32 activations come back as float64: the (rand(...) < q) / q idiom (lasagne #563)."""

CAUGHT_BY = "dtype.preserved"

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not (0 <= p < 1):
            raise ValueError(f"p must be in [0, 1), got {p}")
        self.p = float(p)
        self.mask = None

    def forward(self, x, training=True):
        if not training:
            self.mask = None
            return x
        q = 1 - self.p
        self.mask = (np.random.rand(*x.shape) < q) / q  # float64 mask upcasts x
        return x * self.mask

    def backward(self, grad):
        if self.mask is None:
            raise RuntimeError("forward first")
        return grad * self.mask
