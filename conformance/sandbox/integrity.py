"""The integrity policy: packages a graded submission may not import, decided by the grader from
the rubric and enforced inside the sandbox's worker before the submission's first line runs.

The grader (:func:`policy_for`) turns package names into what the worker can check without
trusting anything the submission influences: the names, the files they resolve to in the
grader's environment, and the SHA-256 of the kit's own source files. They travel in the
:class:`~.child.ChildSpec`. The worker (:func:`enforce`) then removes those packages from
``sys.modules``, puts a refusing finder first on ``sys.meta_path`` and adds an audit hook,
which Python offers no way to remove. docs/architecture.md ("Integrity policy") says what this
blocks and what it does not.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

DEFAULT_FORBIDDEN = ("dropout_conformance", "dropout_reference")
"""Always forbidden: a submission that is the kit's reference (or drives the kit) is not the student's work."""
UNFORBIDDABLE = frozenset({
    "numpy", "importlib", "os", "io", "abc", "codecs", "encodings", "site", "stat", "posixpath",
    "genericpath", "types", "warnings", "zipimport", *sys.builtin_module_names,
})
"""What Python and the sandbox's worker cannot run without: a rubric may not forbid these."""
DIGEST_MIN_BYTES = 512
"""Source files shorter than this (empty ``__init__.py`` files and the like) are not fingerprinted:
a student's file may well be byte-identical to one of them."""


def refusal(name: str) -> str:
    """The one sentence every refusal says, in the kit's words."""
    return f"imports {name}, which this assignment does not allow"


@dataclass(frozen=True)
class ImportPolicy:
    """What a sandbox refuses. Empty (the default) arms nothing: ``--dropout-isolate`` runs a
    library author's own layer, which may well be the reference."""

    names: tuple[str, ...] = ()
    paths: dict[str, str] = field(default_factory=dict)
    """A forbidden package's folder or module file (real path) -> its name."""
    digests: dict[str, str] = field(default_factory=dict)
    """SHA-256 of a source file of the kit's own packages -> the package's name."""

    def cause(self, exc: BaseException) -> str:
        """The kit's sentence if ``exc`` (rebuilt from the sandbox's reply) is this policy's
        refusal, else "". Matched against the names sent, so no text of the submission's passes."""
        said = str(exc)
        for name in self.names:
            if said in (f"ImportError: {refusal(name)}", f"PermissionError: {refusal(name)}"):
                return f"the submission {refusal(name)}"
        return ""


def policy_for(extra: Iterable[str] = ()) -> ImportPolicy:
    """The grader's policy: the kit's own packages plus ``extra`` (a rubric's ``forbid_imports``)."""
    return _policy(tuple(dict.fromkeys((*DEFAULT_FORBIDDEN, *extra))))


@functools.cache
def _policy(names: tuple[str, ...]) -> ImportPolicy:
    paths: dict[str, str] = {}
    digests: dict[str, str] = {}
    for name in names:
        for root in _locations(name):
            paths[root] = name
            if name in DEFAULT_FORBIDDEN:
                digests.update(dict.fromkeys(_digests(root), name))
    return ImportPolicy(names, paths, digests)


def _locations(name: str) -> list[str]:
    """Where a top-level package's files are, found without importing it (none if not installed)."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError, AttributeError):
        return []
    if spec is None:
        return []
    found = list(spec.submodule_search_locations or [])
    if not found and spec.origin and os.path.isabs(spec.origin):
        found = [spec.origin]
    return list(dict.fromkeys(os.path.realpath(p) for p in found if os.path.exists(p)))


def _digests(root: str) -> list[str]:
    files = [root] if os.path.isfile(root) else [os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs]
    digests = []
    for path in files:
        if path.endswith(".py") and os.path.getsize(path) >= DIGEST_MIN_BYTES:
            with open(path, "rb") as fh:
                digests.append(hashlib.sha256(fh.read()).hexdigest())
    return digests


# ------------------------------------------------------------------------------------- the worker side

_str, _bytes, _type = str, bytes, type
_PATH_TYPES: tuple[type, ...] = ()


def enforce(names: list[str], paths: dict[str, str], digests: dict[str, str]) -> None:
    """Arm the policy in this process: the worker, confined, just before it imports the submission.
    Nothing here can be undone from Python: the audit hook stays for the life of the process."""
    if not names:
        return
    import pathlib

    global _PATH_TYPES
    _PATH_TYPES = (pathlib.PurePosixPath, pathlib.PosixPath)
    forbidden = frozenset(names)
    roots = tuple((root.rstrip(os.sep) + os.sep, root, name) for root, name in paths.items())
    tails = {os.path.basename(root): name for root, name in paths.items()}
    for key in list(sys.modules):
        if key.partition(".")[0] in forbidden:
            del sys.modules[key]
    sys.meta_path.insert(0, _Refuser(forbidden))
    sys.addaudithook(functools.partial(_audit, forbidden, roots, tails, dict(digests)))


class _Refuser:
    """First on ``sys.meta_path``: ``importlib.import_module`` and ``importlib.__import__`` raise no
    audit event of their own, so this is where they are refused by name."""

    def __init__(self, forbidden: frozenset[str]) -> None:
        self.forbidden = forbidden

    def find_spec(self, fullname: Any, path: Any = None, target: Any = None) -> None:
        top = _str.__str__(fullname).partition(".")[0] if isinstance(fullname, _str) else ""
        if top in self.forbidden:
            raise ImportError(refusal(top), name=top)


def _audit(forbidden: frozenset[str], roots: tuple[tuple[str, str, str], ...], tails: dict[str, str],
           digests: dict[str, str], event: str, args: tuple[Any, ...]) -> None:
    """The audit hook: ``import`` by name; ``open``, ``os.symlink`` and ``os.link`` by the file they
    reach; ``exec`` by the file a code object came from; ``compile`` by the source's fingerprint."""
    if event == "import":
        top = _str.__str__(args[0]).partition(".")[0] if isinstance(args[0], _str) else ""
        if top in forbidden:
            raise ImportError(refusal(top), name=top)
    elif event == "open" or event in ("os.symlink", "os.link"):
        name = _forbidden_path(args[0], roots, tails)
        if name:
            raise PermissionError(refusal(name))
    elif event == "exec":
        filename = getattr(args[0], "co_filename", None)
        name = _forbidden_path(filename, roots, {}) if isinstance(filename, _str) else ""
        if name:
            raise ImportError(refusal(name), name=name)
    elif event == "compile" and digests:
        name = _fingerprint(args[0], digests)
        if name:
            raise ImportError(refusal(name), name=name)


def _forbidden_path(path: Any, roots: tuple[tuple[str, str, str], ...], tails: dict[str, str]) -> str:
    """The forbidden package a path reaches, or "". Read from the object's own data (a str subclass's
    or a path object's overrides never run); any other path-like is refused, since the file it
    names could change between this check and the open. A relative path may be taken from a
    folder descriptor this hook never sees, so any of its parts named like a forbidden package's
    folder or file counts."""
    if path is None or _type(path) is int:
        return ""
    if isinstance(path, _str):
        text = _str.__str__(path)
    elif isinstance(path, (_bytes, bytearray)):
        text = os.fsdecode(_bytes(memoryview(path)))
    elif _type(path) in _PATH_TYPES:
        text = _str(path)
    else:
        raise PermissionError("the sandbox opens files by str, bytes or pathlib paths only")
    real = os.path.realpath(text)
    for prefix, root, name in roots:
        if real == root or real.startswith(prefix):
            return name
    if not os.path.isabs(text):
        for part in os.path.normpath(text).split(os.sep):
            if part in tails:
                return tails[part]
    return ""


def _fingerprint(source: Any, digests: dict[str, str]) -> str:
    """The kit's package whose source file is exactly ``source``, or ""."""
    if isinstance(source, _str):
        data = _str.__str__(source).encode("utf-8", "surrogatepass")
    elif isinstance(source, (_bytes, bytearray, memoryview)):
        data = _bytes(memoryview(source))
    else:
        return ""
    if len(data) < DIGEST_MIN_BYTES:
        return ""
    return digests.get(hashlib.sha256(data).hexdigest(), "")
