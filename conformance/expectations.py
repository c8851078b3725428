"""Expectations: manifests of where an implementation knowingly deviates from the spec, and
:func:`judge`, which every runner (the pytest session, ``run_all``) applies to a case's outcome.

A manifest is a TOML file of ``[[xfail]]`` entries::

    [[xfail]]
    clause = "init.invalid-p"        # required: a clause ID
    variant = "float1"               # optional narrowing: the case's id (as in its test ID),
    p = 0.5                          #   its p,
    dtype = "float16"                #   and/or its dtype
    reason = "torch accepts p = 1"   # required
    link = "https://..."             # optional
    impl = "torch"                   # optional: only for this implementation

Semantics are strict: a listed deterministic check that *passes* fails the run ("remove this
entry"); an entry that matches no check, or names an unknown clause, is a usage error. A listed
*statistical* check (one a correct layer can fail by chance above 1e-12) is reported as an
expected failure whether or not this seed happened to detect the deviation, so a manifest's
verdict never flips between seeds; the report says which of the two happened.

Registered implementations ship a manifest through the entry point group
``dropout_conformance.xfails``: same name as the implementation, value ``module:ATTR`` where ATTR
is the path of a TOML file (or the TOML text itself).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from ._compat import tomllib
from .results import CaseOutcome, Status

GROUP = "dropout_conformance.xfails"
KEYS = {"clause", "variant", "p", "dtype", "reason", "link", "impl"}


class ManifestError(Exception):
    """A manifest that cannot be used as written."""


@dataclass(frozen=True)
class Entry:
    clause: str
    reason: str
    source: str
    """Where the entry came from, e.g. ``xfails.toml entry 2``: named in every message about it."""
    variant: str | None = None
    p: float | None = None
    dtype: str | None = None
    link: str = ""
    impl: str | None = None

    def matches(self, impl: str, case: Any) -> bool:
        """Whether this entry covers ``case`` (a ``checks.Case``) of implementation ``impl``."""
        if self.impl is not None and self.impl != impl:
            return False
        if case.clause != self.clause:
            return False
        if self.variant is not None and self.variant != case.variant:
            return False
        if self.p is not None and not (isinstance(case.params.get("p"), (int, float)) and float(case.params["p"]) == self.p):
            return False
        return self.dtype is None or case.params.get("dtype") == self.dtype

    def describe(self) -> str:
        narrow = [f"{k}={v}" for k, v in (("variant", self.variant), ("p", self.p), ("dtype", self.dtype)) if v is not None]
        where = f" [{', '.join(narrow)}]" if narrow else ""
        link = f" ({self.link})" if self.link else ""
        return f"{self.clause}{where}: {self.reason}{link}"


def parse(text: str, source: str, *, impl: str | None = None) -> list[Entry]:
    """Entries of one manifest's TOML text; ``impl`` pins them to one implementation."""
    from .spec import clause

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{source}: not valid TOML: {exc}") from None
    unknown_top = set(data) - {"xfail"}
    if unknown_top:
        raise ManifestError(f"{source}: unknown table(s) {sorted(unknown_top)}; entries go in [[xfail]]")
    raw = data.get("xfail", [])
    if not isinstance(raw, list):
        raise ManifestError(f"{source}: 'xfail' must be an array of tables ([[xfail]])")
    entries = []
    for i, item in enumerate(raw, 1):
        where = f"{source} entry {i}"
        if not isinstance(item, dict):
            raise ManifestError(f"{where}: must be a table")
        extra = set(item) - KEYS
        if extra:
            raise ManifestError(f"{where}: unknown key(s) {sorted(extra)}; allowed: {', '.join(sorted(KEYS))}")
        for required in ("clause", "reason"):
            if not isinstance(item.get(required), str) or not item[required].strip():
                raise ManifestError(f"{where}: needs a non-empty string {required!r}")
        try:
            clause(item["clause"])
        except KeyError as exc:
            raise ManifestError(f"{where}: {exc.args[0]}") from None
        p = item.get("p")
        if p is not None and not isinstance(p, (int, float)):
            raise ManifestError(f"{where}: 'p' must be a number")
        entries.append(
            Entry(
                clause=item["clause"],
                reason=item["reason"].strip(),
                source=where,
                variant=None if item.get("variant") is None else str(item["variant"]),
                p=None if p is None else float(p),
                dtype=item.get("dtype"),
                link=str(item.get("link", "")),
                impl=impl or item.get("impl"),
            )
        )
    return entries


def load_file(path: str) -> list[Entry]:
    file = Path(path).expanduser()
    try:
        text = file.read_text()
    except OSError as exc:
        raise ManifestError(f"cannot read {path}: {exc.strerror}") from None
    return parse(text, str(path))


def registered_manifest(impl_name: str) -> list[Entry]:
    """The manifest a registered implementation ships, or none."""
    for ep in entry_points(group=GROUP):
        if ep.name != impl_name:
            continue
        try:
            value = ep.load()
        except Exception as exc:  # noqa: BLE001 - a third party's entry point
            raise ManifestError(f"the manifest entry point {ep.name} = {ep.value} failed to load: {exc}") from None
        path = Path(str(value))
        source = f"{impl_name}'s manifest ({ep.value})"
        text = path.read_text() if "\n" not in str(value) and path.is_file() else str(value)
        return parse(text, source, impl=impl_name)
    return []


def check_coverage(entries: list[Entry], impl_names: list[str], all_cases: list[Any]) -> None:
    """Every entry must match at least one case of the strict profile for a selected implementation."""
    for entry in entries:
        names = [entry.impl] if entry.impl else impl_names
        if entry.impl and entry.impl not in impl_names:
            selected = ", ".join(impl_names) or "none"
            raise ManifestError(f"{entry.source}: implementation {entry.impl!r} is not selected (selected: {selected})")
        if not any(entry.matches(n, c) for n in names for c in all_cases):
            raise ManifestError(f"{entry.source} ({entry.describe()}) matches no check; fix or remove it")


def find(entries: list[Entry], impl: str, case: Any) -> Entry | None:
    return next((e for e in entries if e.matches(impl, case)), None)


def judge(outcome: CaseOutcome, entry: Entry | None, statistical: bool) -> CaseOutcome:
    """A case's outcome in the light of the manifest entry that lists it (runner-neutral).

    A listed failure is expected; a listed statistical case is expected whether or not this seed
    detected the deviation (so the verdict never flips between seeds); a listed deterministic case
    that passed is an unexpected pass. A blocked case stays blocked: it says nothing of its clause.
    """
    if entry is None or outcome.status is Status.BLOCKED:
        return outcome
    listed = f"expected failure, {entry.source}: {entry.describe()}"
    if outcome.status is Status.FAILED:
        return CaseOutcome(Status.EXPECTED_FAILURE, outcome.failure, note=listed)
    if statistical:
        return CaseOutcome(
            Status.EXPECTED_FAILURE,
            note=f"{listed} [statistical check: not detected with this seed; the entry stays valid across seeds]",
        )
    return CaseOutcome(
        Status.UNEXPECTED_PASS,
        note=f"listed as an expected failure in {entry.source} ({entry.describe()}), but it passed: "
        "the implementation conforms here; remove this entry",
    )
