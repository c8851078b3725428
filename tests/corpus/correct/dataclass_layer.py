"""A @dataclass with validation in __post_init__; each instance gets an independent Generator
spawned from a module-level SeedSequence (the NumPy-recommended way to get parallel streams)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

_ROOT = np.random.SeedSequence()


@dataclass
class DropoutLayer:
    p: float
    rng: np.random.Generator | None = field(default=None, repr=False)
    mask: np.ndarray | None = field(default=None, init=False, repr=False)

    def __post_init__(self):
        if not (math.isfinite(self.p) and 0.0 <= self.p < 1.0):
            raise ValueError(f"DropoutLayer.p must be in [0, 1), got {self.p!r}")
        self.p = float(self.p)
        if self.rng is None:
            self.rng = np.random.default_rng(_ROOT.spawn(1)[0])

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        if not training:
            return x
        self.mask = self.rng.random(x.shape) >= self.p
        return x * self.mask / (1.0 - self.p)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        if self.mask is None:
            raise RuntimeError("backward before forward")
        return grad * self.mask / (1.0 - self.p)
