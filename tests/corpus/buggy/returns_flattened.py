"""Training forward works on x.reshape(-1) and forgets to reshape back, returning a flat array (anchors bug 27)."""

CAUGHT_BY = "train.output-shape"

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p

    def forward(self, x, training=True):
        if not training:
            return x
        flat = x.reshape(-1)
        self.mask = np.random.rand(flat.size) >= self.p
        return flat * self.mask / (1 - self.p)

    def backward(self, grad):
        return (grad.reshape(-1) * self.mask / (1 - self.p)).reshape(grad.shape)
