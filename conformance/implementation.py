"""What the checks drive: an implementation, seen through four operations and nothing else.

A runner (the pytest session, ``run_all``, the grader) hands the checks an :class:`Implementation`;
checks never probe an object for attributes. A class or factory taking p runs in this process as
:class:`InProcess`; the sandbox (:class:`dropout_conformance.sandbox.parent.SandboxedFactory`) runs
it in a confined child. Standard library only.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

SANDBOX_SAID = "sandbox_said"
"""The attribute of an exception rebuilt from a sandbox's reply (``sandbox.protocol.remote_exception``)
holding what the submission's own exception said, for ``checks.context.raised_by``:
``(type name, text, raising line)``, plain capped strs."""


class Implementation(ABC):
    """A DropoutLayer implementation as the checks use it."""

    @abstractmethod
    def build(self, p: Any) -> Any:
        """A layer for drop probability ``p``: an object with ``forward`` and ``backward``."""

    @abstractmethod
    def reseed(self, seed: int) -> tuple[str, ...]:
        """Seed the global generators its layers may draw from; return their names (for reproducers)."""

    def close(self) -> None:  # noqa: B027 - most implementations hold nothing
        """Release what it holds (a sandbox's process). Safe to call twice."""

    @property
    def deadline(self) -> float | None:
        """``time.monotonic()`` after which nothing more of it may run, or None for no limit."""
        return None

    @property
    def p_note(self) -> str | None:
        """What a convention adapter did to p (``resolve.Selected.p_note``), for a failure whose
        rate looks swapped; None when p reaches the code as given."""
        return None


class InProcess(Implementation):
    """A class or a factory taking p, called in this process."""

    def __init__(self, factory: Callable[..., Any], p_note: str | None = None) -> None:
        self.factory = factory
        self._p_note = p_note

    @property
    def p_note(self) -> str | None:
        return self._p_note

    def build(self, p: Any) -> Any:
        return self.factory(p)

    def reseed(self, seed: int) -> tuple[str, ...]:
        from .seeding import seed_generators

        return seed_generators(seed)


def as_implementation(obj: Implementation | Callable[..., Any]) -> Implementation:
    """An Implementation as is; a class or factory taking p, run in process."""
    return obj if isinstance(obj, Implementation) else InProcess(obj)


class ProcessFailure(Exception):
    """The process an implementation runs in failed: it crashed, hung, or sent garbage. The text is
    the kit's own account (it never quotes the implementation), so it may be shown like any kit text."""


class ForeignValue:
    """A value an implementation returned that cannot be brought back as an array: only its type's
    name is known, and that name is the implementation's words."""

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name

    def __repr__(self) -> str:  # never the type's name: a repr must not carry the implementation's words
        return "<a value of another type, returned by the implementation>"
