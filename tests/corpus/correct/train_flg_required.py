"""A layer whose training flag is named ``train_flg`` and has no default
(``forward(x, train_flg)``, as in "Deep Learning from Scratch"); checked with ``flag-name=train_flg:``."""

import numpy as np

CONVENTION = "flag-name=train_flg"
STRICT = True


class DropoutLayer:
    def __init__(self, dropout_ratio):
        ratio = float(dropout_ratio)
        if not 0.0 <= ratio < 1.0:
            raise ValueError(f"dropout_ratio must satisfy 0 <= ratio < 1, got {ratio!r}")
        self.dropout_ratio = ratio
        self.mask = None
        self.called = False

    def forward(self, x, train_flg):
        self.called = True
        if not train_flg:
            self.mask = None
            return x
        x = np.asarray(x)
        self.mask = np.random.rand(*x.shape) >= self.dropout_ratio
        return self._apply(x)

    def backward(self, dout):
        if not self.called:
            raise RuntimeError("backward before forward")
        return dout if self.mask is None else self._apply(np.asarray(dout))

    def _apply(self, a):
        dtype = a.dtype if np.issubdtype(a.dtype, np.inexact) else np.dtype(np.float64)
        wide = np.promote_types(dtype, np.float64)
        with np.errstate(over="ignore"):
            return np.where(self.mask, a.astype(wide) / (1.0 - self.dropout_ratio), 0).astype(dtype)
