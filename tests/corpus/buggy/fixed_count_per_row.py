"""Each row drops exactly round(p*cols) entries (a per-sample shuffle): rows carry structure."""

CAUGHT_BY = "train.unbiased"  # round(p*cols) per row biases the keep rate for small rows

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not (0 <= p < 1):
            raise ValueError(f"p must be in [0, 1), got {p}")
        self.p = float(p)
        self.mask = None

    def forward(self, x, training=True):
        if not training:
            return x
        flat = x.reshape(-1, x.shape[-1]) if x.ndim else x.reshape(1, 1)
        cols = flat.shape[1]
        keep = np.arange(cols) >= int(round(self.p * cols))
        mask = np.array([np.random.permutation(keep) for _ in range(flat.shape[0])]).reshape(x.shape)
        self.mask = mask
        return x * mask / (1 - self.p)

    def backward(self, grad):
        if self.mask is None:
            raise RuntimeError("forward first")
        return grad * self.mask / (1 - self.p)
