"""Choosing what a run checks: the master seed, the implementations and the baseline, isolation.

Shared by the pytest session and the grader's command line; every problem is a
:class:`SelectionError` whose text is one line that says what to do (the plugin turns it into a
``pytest.UsageError``, the grader into ``error: ...`` and exit status 2). Standard library only.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from .resolve import BASELINE_VALUE, ImplementationError, Selected, resolve

SEED_LIMIT = 2**32


class SelectionError(Exception):
    """A seed, an implementation or an isolation request that cannot be used as given."""


def parse_seed(text: str | None) -> int:
    """A master seed in [0, 2**32) from its text; a fresh random one for None."""
    if text is None:
        return secrets.randbelow(SEED_LIMIT)
    try:
        seed = int(str(text).strip())
    except ValueError:
        raise SelectionError(f"{text!r} is not an integer: give an integer from 0 to {SEED_LIMIT - 1}") from None
    if not 0 <= seed < SEED_LIMIT:
        raise SelectionError(f"{text!r} is not in [0, 2**32): give an integer from 0 to {SEED_LIMIT - 1}")
    return seed


def select(values: list[str], baseline: bool) -> list[Selected]:
    """The implementations ``values`` name, once each, with the bundled reference first as the
    baseline when ``baseline`` (and marked as the baseline whenever it is selected)."""
    chosen: dict[str, Selected] = {}
    for value in values:
        try:
            found = resolve(value)
        except ImplementationError as exc:
            raise SelectionError(f"--dropout-impl={value}: {exc}") from None
        for impl in found:
            chosen.setdefault(impl.name, impl)
    if baseline and "reference" not in chosen:
        try:
            (ref,) = resolve(BASELINE_VALUE)
        except ImplementationError as exc:
            raise SelectionError(f"the bundled reference baseline could not load: {exc}; reinstall dropout-conformance") from None
        ref.name, ref.baseline = "reference", True
        chosen = {"reference": ref, **chosen}
    elif "reference" in chosen:
        chosen["reference"].baseline = True
    return list(chosen.values())


def isolate(impls: list[Selected], call_timeout: float = 60.0) -> None:
    """Drive each selected file implementation through a sandbox, as the grader does (the baseline
    stays in this process)."""
    from .sandbox import probe
    from .sandbox.parent import Limits, SandboxedFactory

    for impl in impls:
        if impl.baseline or impl.factory is None:
            continue
        target, _, attr = impl.value.rpartition(":")
        path = Path(target)
        if not (target.endswith(".py") and path.is_file()):
            raise SelectionError(
                f"--dropout-isolate: {impl.value!r} is not a file implementation; isolation runs path/to/file.py:Attr values"
            )
        impl.driver = SandboxedFactory(
            path.resolve(), path.name, attr,
            Limits(call_timeout=call_timeout, submission_timeout=24 * 3600.0, isolation=probe.best()),
        )
        impl.how += " (sandboxed in a child process)"
