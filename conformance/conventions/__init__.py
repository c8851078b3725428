"""Conventions: adapters from the dropout people actually write to the kit's interface.

``--dropout-impl=CONVENTION[=ARG]:TARGET`` (``function-pair=keep:layers.py``,
``keep-prob:mypkg:Dropout``, ``flag-name=train_flg:layers.py:Dropout``) builds layers from TARGET
through a :class:`Convention` registered in the entry point group ``dropout_conformance.conventions``
(the kit registers its own there too). A convention's name holds a hyphen, so it never reads as a
module path. Standard library only: the plugin imports this at load time.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from .base import Convention, ConventionError, Parsed, check_arg, split, with_param_means

__all__ = ["GROUP", "Convention", "ConventionError", "Parsed", "builtin", "check_arg", "load", "split", "with_param_means"]

GROUP = "dropout_conformance.conventions"


def builtin() -> dict[str, Convention]:
    """The kit's own conventions (also registered in the entry point group), by name."""
    from .function_pair import FUNCTION_PAIR
    from .wrappers import FLAG_NAME, KEEP_PROB

    return {"function-pair": FUNCTION_PAIR, "keep-prob": KEEP_PROB, "flag-name": FLAG_NAME}


def load(name: str) -> Convention:
    """The convention registered as ``name``; ConventionError naming the known ones otherwise."""
    found = [ep for ep in entry_points(group=GROUP) if ep.name == name]
    if not found:
        if name in builtin():  # the kit's own, when the installed metadata predates it
            return builtin()[name]
        known = sorted({ep.name for ep in entry_points(group=GROUP)} | set(builtin()))
        raise ConventionError(f"no convention {name!r} (known: {', '.join(known)}); see docs/authors.md")
    if len(found) > 1:
        raise ConventionError(f"convention {name!r} is registered twice ({found[0].value}, {found[1].value}); uninstall one")
    try:
        conv = found[0].load()
    except Exception as exc:  # noqa: BLE001 - a third party's entry point may fail in any way
        raise ConventionError(f"loading convention {name!r} ({found[0].value}) failed: {type(exc).__name__}: {exc}") from None
    if not isinstance(conv, Convention):
        raise ConventionError(f"convention {name!r} ({found[0].value}) is a {type(conv).__name__}, not a Convention")
    return conv


def sandboxed(head: str) -> tuple[Convention, Parsed]:
    """The kit's own convention ``head`` (``function-pair=keep``) names, checked, for code that runs
    in the grader's sandbox: only the kit's own conventions run there (the sandbox cannot read
    site-packages, and a third party's adapter would run with the student's code)."""
    parsed = split(f"{head}:")
    if parsed is None:
        raise ConventionError(f"{head!r} is not a convention: write e.g. function-pair=keep, keep-prob or flag-name=train_flg")
    conv = builtin().get(parsed.name)
    if conv is None:
        raise ConventionError(f"the grader runs only the kit's own conventions ({', '.join(builtin())}), not {parsed.name!r}")
    check_arg(conv, Parsed(parsed.name, parsed.arg, "TARGET"))
    return conv, parsed
