"""Your inverted dropout layer (see the problem statement). GitHub Classroom grades DropoutLayer in this file."""

import numpy as np  # noqa: F401  (the standard library and NumPy are what the layer may use)


class DropoutLayer:
    def __init__(self, p):
        raise NotImplementedError("validate p and keep it")

    def forward(self, x, training=True):
        raise NotImplementedError("training: drop each element with probability p, scale survivors by 1/(1-p)")

    def backward(self, grad):
        raise NotImplementedError("the gradient through the latest forward's mask and scale")
