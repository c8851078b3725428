"""Turning a ``--dropout-impl`` value into a DropoutLayer factory.

Standard library only. A value is ``module.path:Attr``, ``path/to/file.py:Attr``, a name
registered in the ``dropout_conformance.implementations`` entry point group, ``all``, or
``CONVENTION[=ARG]:TARGET`` (:mod:`.conventions`: code written another way, adapted).
Every failure is an :class:`ImplementationError` with one line that says what to do.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any

from . import conventions
from .implementation import Implementation, InProcess

GROUP = "dropout_conformance.implementations"
BASELINE_VALUE = "dropout_reference:DropoutLayer"


class ImplementationError(Exception):
    """A --dropout-impl value that cannot be turned into an implementation."""


@dataclass
class Selected:
    """A selected implementation: how it was found, the factory that builds layers from p, and the
    driver the checks run it through (in this process unless ``--dropout-isolate`` swaps it)."""

    name: str
    """Label in test IDs and reports: the registered name, or the value as typed."""
    value: str
    """What reproduces it: ``load_implementation(value)`` or ``--dropout-impl=value``."""
    how: str
    """Where it came from, for the report header."""
    factory: Callable[..., Any] | None = None
    error: str | None = None
    """Set instead of ``factory`` for a broken entry point selected through ``all``."""
    baseline: bool = False
    registered: bool = False
    """Found through the entry point group (so it may ship a manifest the same way)."""
    driver: Implementation | None = None
    p_note: str | None = None
    """A convention's account of what it did to p, for a failure whose rate looks swapped."""

    def __post_init__(self) -> None:
        if self.driver is None and self.factory is not None:
            self.driver = InProcess(self.factory, self.p_note)

    def __call__(self, p: Any) -> Any:
        if self.driver is None:
            raise ImplementationError(self.error or f"{self.name} is not loaded")
        return self.driver.build(p)


def check_syntax(value: str) -> str:
    """Validate a value's form without importing anything; return it stripped."""
    value = value.strip()
    if not value:
        raise ImplementationError("empty value; give module:Attr, path/to/file.py:Attr, a registered name, or 'all'")
    parsed = conventions.split(value)
    if parsed is not None:
        if not parsed.rest:
            raise ImplementationError(f"{value!r}: give what {parsed.name} adapts after the ':', e.g. {parsed.head}:layers.py")
        if ":" in parsed.rest:
            check_syntax(parsed.rest)
        elif not _is_file(parsed.rest) and not all(part.isidentifier() for part in parsed.rest.split(".")):
            raise ImplementationError(f"{value!r}: {parsed.rest!r} is neither a module, a .py file nor module:Attr")
        return value
    if ":" in value:
        target, _, attr = value.rpartition(":")
        if not target or not attr:
            raise ImplementationError(f"{value!r} needs both sides of ':', e.g. mypkg.layers:DropoutLayer")
        if not all(part.isidentifier() for part in attr.split(".")):
            raise ImplementationError(f"{value!r}: {attr!r} is not an attribute name")
        if not _is_file(target) and not all(part.isidentifier() for part in target.split(".")):
            raise ImplementationError(
                f"{value!r}: {target!r} is neither a dotted module path nor a .py file path"
            )
    return value


def _is_file(target: str) -> bool:
    return target.endswith(".py") or "/" in target or os.sep in target


def registered() -> dict[str, list[EntryPoint]]:
    """Entry points of the group by name; a name listed twice is an error only if selected."""
    found: dict[str, list[EntryPoint]] = {}
    for ep in entry_points(group=GROUP):
        found.setdefault(ep.name, []).append(ep)
    return found


def _dist_label(ep: EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    return f"{dist.metadata['Name']} {dist.version}" if dist is not None else "unknown distribution"


def resolve(value: str) -> list[Selected]:
    """The implementations a value selects (several for ``all``); raise ImplementationError."""
    value = check_syntax(value)
    parsed = conventions.split(value)
    if parsed is not None:
        return [_from_convention(value, parsed)]
    if ":" in value:
        return [_from_target(value)]
    eps = registered()
    if value == "all":
        if not eps:
            raise ImplementationError(f"'all' found no implementation registered in the entry point group {GROUP!r}")
        return [_from_entry_point(name, group, broken_ok=True) for name, group in sorted(eps.items())]
    if value not in eps:
        known = ", ".join(sorted(eps)) or "none"
        raise ImplementationError(
            f"{value!r} is not a registered implementation (known: {known}); "
            "give module:Attr or path/to/file.py:Attr to load one directly"
        )
    return [_from_entry_point(value, eps[value], broken_ok=False)]


def _from_entry_point(name: str, group: list[EntryPoint], *, broken_ok: bool) -> Selected:
    label = f"entry point {name!r} -> {group[0].value} ({_dist_label(group[0])})"
    try:
        if len(group) > 1:
            dists = " and ".join(_dist_label(ep) for ep in group)
            raise ImplementationError(f"{name!r} is registered by both {dists}; uninstall one")
        factory = group[0].load()
        _require_callable(factory, name)
    except Exception as exc:  # noqa: BLE001 - a third party's entry point may fail in any way
        message = str(exc)
        if not isinstance(exc, ImplementationError):
            message = f"loading {group[0].value} failed: {type(exc).__name__}: {exc}"
        if not broken_ok:
            raise ImplementationError(f"registered implementation {name!r}: {message}") from None
        return Selected(name, name, label, error=message, registered=True)
    return Selected(name, name, label, factory=factory, registered=True)


def _from_convention(value: str, parsed: conventions.Parsed) -> Selected:
    """``CONVENTION[=ARG]:TARGET``: TARGET's module, or the implementation it names, adapted."""
    try:
        conv = conventions.load(parsed.name)
        conventions.check_arg(conv, parsed)
        if conv.target == "module":
            if ":" in parsed.rest:
                raise conventions.ConventionError(f"{parsed.name} takes a module or a .py file, not {parsed.rest!r}")
            target, how = _module(value, parsed.rest)
        else:
            if ":" not in parsed.rest:
                raise conventions.ConventionError(f"{parsed.name} takes module:Attr or path/to/file.py:Attr, not {parsed.rest!r}")
            (inner,) = resolve(parsed.rest)
            target, how = inner.factory, inner.how
        factory = conv.adapt(target, parsed.arg)
    except conventions.ConventionError as exc:
        raise ImplementationError(str(exc)) from None
    return Selected(value, value, f"convention {parsed.head} over {how}", factory=factory, p_note=conv.p_note(parsed.arg))


def _module(value: str, target: str) -> tuple[Any, str]:
    """The module a target names (a .py file or a dotted module path), and where it came from."""
    if _is_file(target):
        return _load_file(value, target)
    try:
        module = importlib.import_module(target)
    except ImportError as exc:
        raise ImplementationError(
            f"could not import {target!r} ({type(exc).__name__}: {exc}); is it installed, or on "
            "sys.path (run from its folder, or set pytest's pythonpath)?"
        ) from None
    except Exception as exc:  # noqa: BLE001 - the module's own import-time error
        raise ImplementationError(f"importing {target!r} raised {type(exc).__name__}: {exc}") from None
    return module, f"module {target} ({getattr(module, '__file__', 'built-in')}){_version_of(target)}"


def _from_target(value: str) -> Selected:
    target, _, attr = value.rpartition(":")
    module, how = _module(value, target)
    obj: Any = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            public = sorted(n for n in dir(module) if not n.startswith("_"))[:12]
            raise ImplementationError(f"{target!r} has no attribute {attr!r} (it has: {', '.join(public) or 'nothing public'})")
        obj = getattr(obj, part)
    _require_callable(obj, value)
    return Selected(value, value, how, factory=obj)


def _version_of(module_name: str) -> str:
    from importlib.metadata import packages_distributions, version

    top = module_name.split(".")[0]
    dists = packages_distributions().get(top, [])
    return f", distribution {dists[0]} {version(dists[0])}" if dists else ""


def _load_file(value: str, target: str) -> tuple[Any, str]:
    path = Path(target).expanduser()
    if not path.is_file():
        raise ImplementationError(f"no such file {str(path)!r} (relative paths are taken from {os.getcwd()})")
    path = path.resolve()
    try:
        source = path.read_bytes()
        compile(source, str(path), "exec")
    except SyntaxError as exc:
        raise ImplementationError(f"syntax error in {target} line {exc.lineno}: {exc.msg}") from None
    except OSError as exc:
        raise ImplementationError(f"cannot read {target}: {exc.strerror}") from None
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:10]
    name = f"_dropout_impl_{path.stem}_{digest}"
    if name in sys.modules:
        return sys.modules[name], f"file {path}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    if str(path.parent) not in sys.path:
        sys.path.insert(0, str(path.parent))  # so the file can import its sibling modules
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - SystemExit from a script-like file too
        del sys.modules[name]
        raise ImplementationError(f"executing {target} raised {type(exc).__name__}: {exc}") from None
    return module, f"file {path}"


def _require_callable(obj: Any, label: str) -> None:
    if not callable(obj):
        raise ImplementationError(
            f"{label!r} is a {type(obj).__name__}, not a class or a factory taking p"
        )


def load_implementation(value: str) -> Callable[..., Any]:
    """The factory a ``--dropout-impl`` value names, for scripts and failure reproducers."""
    impls = resolve(value)
    if len(impls) != 1 or impls[0].factory is None:
        raise ImplementationError(f"{value!r} does not name exactly one loadable implementation")
    return impls[0].factory
