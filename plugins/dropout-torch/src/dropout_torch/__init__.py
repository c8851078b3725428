"""PyTorch's dropout behind the dropout-conformance ``DropoutLayer`` interface.

numpy in, numpy out; everything in between is PyTorch's. :class:`ModuleLayer` runs any
``torch.nn.Module`` this way (the ``torch-module:TARGET`` convention, TARGET a module class or a
factory taking p); ``DropoutLayer`` is it over ``torch.nn.Dropout`` (which validates p when it is
built). The adapter does no arithmetic of its own: forward calls the module (train or eval mode
from ``training``), backward asks autograd for the gradient of that very forward's output. What
the adapter adds is plumbing only:

* the input is copied into a tensor (``torch.from_numpy`` rejects negative strides, and a copy
  never aliases the caller's array); its dtype is kept;
* when torch returns its input tensor itself (eval mode, p = 0, empty input), the caller gets
  the very array it passed, as torch gives back the very tensor;
* ``backward`` before any ``forward`` raises ``RuntimeError``: there is no graph yet.

Masks come from torch's global generator (``torch.manual_seed`` replays them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from dropout_conformance.conventions import Convention, ConventionError

__all__ = ["DropoutLayer", "ModuleLayer", "TORCH_MODULE", "XFAILS"]

XFAILS = str(Path(__file__).with_name("xfails.toml"))
"""Where torch deliberately deviates from the spec (entry point group ``dropout_conformance.xfails``)."""


class ModuleLayer:
    """A ``torch.nn.Module`` over numpy arrays; backward through ``torch.autograd.grad``."""

    def __init__(self, module: torch.nn.Module) -> None:
        if not isinstance(module, torch.nn.Module):
            raise TypeError(f"torch-module: the target returned a {type(module).__name__}, not a torch.nn.Module")
        self.module = module
        self._graph: tuple[torch.Tensor, torch.Tensor] | None = None  # (input, output) of the latest forward

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        t = torch.from_numpy(np.array(x, copy=True))
        if t.is_floating_point() or t.is_complex():
            t.requires_grad_(True)
        self.module.train(training)
        out = self.module(t)
        self._graph = (t, out)
        if out is t:  # torch handed its input back untouched
            return x
        return out.detach().numpy()

    def backward(self, grad: np.ndarray) -> np.ndarray:
        if self._graph is None:
            raise RuntimeError("backward() called before forward(): there is no autograd graph to differentiate")
        t, out = self._graph
        g = torch.from_numpy(np.array(grad, copy=True))
        (dx,) = torch.autograd.grad(out, t, grad_outputs=g, retain_graph=True)
        return dx.numpy()


class DropoutLayer(ModuleLayer):
    """``torch.nn.Dropout(p)`` as a :class:`ModuleLayer`."""

    def __init__(self, p: Any) -> None:
        super().__init__(torch.nn.Dropout(p))  # torch's own check of p, at construction

    @property
    def p(self) -> Any:
        return self.module.p


def _adapt(target: Any, arg: str | None) -> Any:
    if not callable(target):
        raise ConventionError("torch-module takes a torch.nn.Module class or a factory taking p")

    def factory(p: Any) -> ModuleLayer:
        return ModuleLayer(target(p))

    return factory


TORCH_MODULE = Convention(_adapt, "object")
"""``--dropout-impl=torch-module:TARGET`` (entry point group ``dropout_conformance.conventions``)."""
