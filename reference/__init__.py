"""The bundled reference DropoutLayer: the baseline every conformance run checks beside yours.

Inverted dropout: in training each element is kept with probability 1-p and scaled by
1/(1-p), so the expected output equals the input and inference is the identity.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["DropoutLayer"]


class DropoutLayer:
    """Inverted dropout with a forward and a backward pass.

    ``p`` is the drop probability, 0 <= p < 1. ``rng`` (keyword-only) is a seed or a
    ``numpy.random.Generator``; by default a fresh, OS-seeded generator is used.
    """

    def __init__(self, p: float, *, rng: int | np.random.Generator | None = None) -> None:
        if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
            raise ValueError(f"p must be a real number with 0 <= p < 1, got {p!r}")
        p = float(p)
        if not (0.0 <= p < 1.0) or math.isnan(p):
            raise ValueError(f"p must satisfy 0 <= p < 1, got {p!r}")
        self.p = p
        self._rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        self._keep: np.ndarray | None = None  # bool mask of the latest training forward
        self._called = False  # whether forward ran at all (inference makes backward the identity)
        self._scale: float = 1.0 / (1.0 - p)

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        """Return x at inference; in training, x * m / (1-p) with a freshly drawn mask m."""
        self._called = True
        if not training:
            self._keep = None
            return x
        x = np.asarray(x)
        if self.p == 0.0:
            self._keep = np.ones(x.shape, dtype=bool)
        else:
            self._keep = self._rng.random(x.shape) >= self.p
        return self._apply(x)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        """Route grad through the mask and scale of the latest training forward."""
        if not self._called:
            raise RuntimeError("backward() called before forward(): there is no mask to reuse")
        grad = np.asarray(grad)
        if self._keep is None:  # the latest forward was at inference, where the layer is identity
            return grad
        if grad.shape != self._keep.shape:
            raise ValueError(
                f"grad has shape {grad.shape}, but the latest forward had shape {self._keep.shape}"
            )
        return self._apply(grad)

    def _apply(self, a: np.ndarray) -> np.ndarray:
        """a * m / (1-p) in a's own floating dtype, with exact zeros where m is 0."""
        keep = self._keep
        assert keep is not None
        dtype = a.dtype if np.issubdtype(a.dtype, np.inexact) else np.dtype(np.float64)
        with np.errstate(over="ignore"):  # a survivor beyond the dtype's range is inf, as IEEE arithmetic has it
            scale = dtype.type(self._scale)
            if np.isfinite(scale):
                scaled = a.astype(dtype, copy=True)
                scaled *= scale
            else:  # 1/(1-p) itself beyond the range (float16, p near 1): scale where 0 * 1/(1-p) is 0, then round
                scaled = (a.astype(np.promote_types(dtype, np.float64)) * self._scale).astype(dtype)
        scaled[~keep] = 0
        return scaled
