"""``function-pair``: course-style ``dropout_forward(x, dropout_param) -> (out, cache)`` and
``dropout_backward(dout, cache) -> dx``.

The mapping, and nothing more (no arithmetic but the documented conversion of p):

* ``dropout_param`` is one dict per layer, as a course model keeps one: ``{"p": P, "mode": ...}``.
  P is p itself for ``function-pair=drop``, ``1 - p`` (in p's own type) for ``function-pair=keep``;
  the meaning is the user's explicit choice, never guessed. No ``"seed"`` is passed: the kit
  seeds numpy's global generator before every case, and a fixed seed would repeat the mask.
* ``forward(x, training)`` sets ``mode`` to ``"train"`` or ``"test"``, calls ``dropout_forward``,
  keeps the cache it returns and returns the output.
* ``backward(grad)`` calls ``dropout_backward(grad, cache)`` with the cache of the latest forward;
  before any forward that cache is None (the spec then asks backward to raise).
* Building a layer for p calls ``dropout_forward`` once, in training mode, on an empty float64
  array, so that a p the function rejects with ValueError is rejected when the layer is built
  (``init.invalid-p``); any other exception there is ignored, and the output and cache are dropped.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from .base import Convention, ConventionError, keep_of

FORWARD, BACKWARD = "dropout_forward", "dropout_backward"


class FunctionPairLayer:
    """A layer over a forward/backward function pair threading a cache."""

    def __init__(self, forward: Any, backward: Any, p: Any, means: str) -> None:
        self._forward, self._backward = forward, backward
        self.param: dict[str, Any] = {"p": keep_of(p) if means == "keep" else p, "mode": "train"}
        self._cache: Any = None
        self._probe()

    def _probe(self) -> None:
        import numpy as np

        try:
            self._forward(np.empty((0,)), self.param)
        except ValueError:
            raise
        except Exception:  # noqa: BLE001 - only a ValueError is a rejection of p; anything else is judged later
            pass
        self.param["mode"] = "train"

    def forward(self, x: Any, training: bool = True) -> Any:
        self.param["mode"] = "train" if training else "test"
        result = self._forward(x, self.param)
        if not (isinstance(result, tuple) and len(result) == 2):
            raise TypeError(f"{FORWARD} returned {type(result).__name__}, not the pair (out, cache)")
        out, self._cache = result
        return out

    def backward(self, grad: Any) -> Any:
        return self._backward(grad, self._cache)


def _adapt(module: ModuleType, means: str | None) -> Any:
    missing = [n for n in (FORWARD, BACKWARD) if not callable(getattr(module, n, None))]
    if missing:
        have = sorted(n for n in vars(module) if not n.startswith("_") and callable(vars(module)[n]))[:12]
        raise ConventionError(f"function-pair: {getattr(module, '__name__', 'the module')} has no function "
                              f"{' or '.join(missing)} (it has: {', '.join(have) or 'no functions'})")
    forward, backward = getattr(module, FORWARD), getattr(module, BACKWARD)
    assert means is not None

    def factory(p: Any) -> FunctionPairLayer:
        return FunctionPairLayer(forward, backward, p, means)

    return factory


def _note(means: str | None) -> str:
    if means == "keep":
        return ("function-pair=keep passed 1 - p as dropout_param['p']; if this code's p is the drop "
                "probability, choose param means = drop (--dropout-param-means=drop, or the rubric's [convention])")
    return ("function-pair=drop passed p itself as dropout_param['p']; if this code's p is the keep "
            "probability, choose param means = keep (--dropout-param-means=keep, or the rubric's [convention])")


FUNCTION_PAIR = Convention(_adapt, "module", arg="--dropout-param-means=keep|drop (what dropout_param['p'] means)",
                           choices=("keep", "drop"), p_note=_note)
