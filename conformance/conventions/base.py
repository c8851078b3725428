"""What a convention is, and reading ``CONVENTION[=ARG]:TARGET`` values. Standard library only."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

HEAD = re.compile(r"^(?P<name>[a-z][a-z0-9]*(?:-[a-z0-9]+)+)(?:=(?P<arg>[^:]*))?$")
"""``name`` or ``name=arg`` before a value's first ``:``; a name holds a hyphen (no module name does)."""


def keep_of(p: Any) -> Any:
    """``1 - p`` in p's own type: a numpy float32 p gives a float32 keep probability under every
    numpy's casting rules (numpy < 2 would promote ``1 - np.float32(p)`` to float64)."""
    dtype = getattr(p, "dtype", None)
    return (dtype.type(1) if dtype is not None else 1) - p


class ConventionError(Exception):
    """A convention value that cannot be used as given (one line that says what to do)."""


@dataclass(frozen=True)
class Convention:
    """How to build layers taking the drop probability p from code written another way."""

    adapt: Callable[[Any, str | None], Callable[[Any], Any]]
    """``(target, arg) -> factory taking p``: target is a module (``target="module"``) or the
    callable the rest of the value names (``target="object"``). May raise ConventionError."""
    target: Literal["module", "object"]
    arg: str | None = None
    """What ARG is (shown in errors), or None when the convention takes none."""
    choices: tuple[str, ...] = ()
    """The values ARG may take (empty: any identifier)."""
    p_note: Callable[[str | None], str | None] = lambda arg: None
    """For a failure whose rate looks swapped: what the adapter did to p, and how to choose otherwise."""


@dataclass(frozen=True)
class Parsed:
    name: str
    arg: str | None
    rest: str

    @property
    def head(self) -> str:
        return self.name if self.arg is None else f"{self.name}={self.arg}"


def split(value: str) -> Parsed | None:
    """The convention part of a value, or None when the value names no convention."""
    head, sep, rest = value.partition(":")
    match = HEAD.match(head) if sep else None
    if match is None:
        return None
    return Parsed(match.group("name"), match.group("arg"), rest.strip())


def check_arg(conv: Convention, parsed: Parsed) -> None:
    """ARG present exactly when the convention takes one, and one of its choices."""
    if conv.arg is None:
        if parsed.arg is not None:
            raise ConventionError(f"{parsed.name} takes no '=...': write {parsed.name}:{parsed.rest}")
        return
    if not parsed.arg:
        options = "|".join(conv.choices) or "NAME"
        raise ConventionError(f"{parsed.name} needs {conv.arg}: write {parsed.name}={options}:{parsed.rest or 'TARGET'}")
    if conv.choices and parsed.arg not in conv.choices:
        raise ConventionError(f"{parsed.name}={parsed.arg}: {conv.arg} must be one of {', '.join(conv.choices)}")
    if not conv.choices and not parsed.arg.isidentifier():
        raise ConventionError(f"{parsed.name}={parsed.arg}: {conv.arg} must be a Python identifier")


def with_param_means(values: list[str], means: str | None) -> list[str]:
    """``values`` with ``--dropout-param-means`` applied to their ``function-pair`` values."""
    if means is None:
        return values
    if means not in ("keep", "drop"):
        raise ConventionError(f"--dropout-param-means={means}: choose keep (p is the keep probability) or drop")
    out, used = [], False
    for value in values:
        parsed = split(value.strip())
        if parsed is not None and parsed.name == "function-pair":
            used = True
            if parsed.arg not in (None, "", means):
                raise ConventionError(f"--dropout-impl={value} says {parsed.arg} but --dropout-param-means={means}; give one")
            value = f"function-pair={means}:{parsed.rest}"
        out.append(value)
    if not used:
        raise ConventionError(f"--dropout-param-means={means} applies to function-pair values only; none was given")
    return out
