"""``keep-prob`` and ``flag-name``: layer classes that take a keep probability, or name (or
require) their training flag differently. Each changes one thing and adds no arithmetic:

* ``keep-prob:TARGET`` builds ``TARGET(1 - p)`` (in p's own type);
* ``flag-name=NAME:TARGET`` calls ``forward(x, NAME=training)``, always passing the flag, so a
  flag with no default works too; ``backward`` is the layer's own.

They compose: ``keep-prob:flag-name=train_flg:layers.py:Dropout``.
"""

from __future__ import annotations

from typing import Any

from .base import Convention, keep_of


def _keep_prob(target: Any, arg: str | None) -> Any:
    def factory(p: Any) -> Any:
        return target(keep_of(p))

    return factory


def _keep_note(arg: str | None) -> str:
    return "keep-prob built the layer with 1 - p; if this class takes the drop probability, drop the keep-prob: prefix"


class RenamedFlag:
    """A layer whose training flag is the keyword ``flag``."""

    def __init__(self, layer: Any, flag: str) -> None:
        self.layer, self.flag = layer, flag

    def forward(self, x: Any, training: bool = True) -> Any:
        return self.layer.forward(x, **{self.flag: training})

    def backward(self, grad: Any) -> Any:
        return self.layer.backward(grad)


def _flag_name(target: Any, flag: str | None) -> Any:
    assert flag is not None

    def factory(p: Any) -> RenamedFlag:
        return RenamedFlag(target(p), flag)

    return factory


KEEP_PROB = Convention(_keep_prob, "object", p_note=_keep_note)
FLAG_NAME = Convention(_flag_name, "object", arg="the training flag's keyword name")
