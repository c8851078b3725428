"""Loading corpus members and running the checks on them, shared by the tests and the soak."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from dropout_conformance.checks import cases, run_all
from dropout_conformance.resolve import resolve
from dropout_conformance.results import CaseOutcome

HERE = Path(__file__).parent
BUGGY = sorted((HERE / "buggy").glob("*.py"))
BUGGY_STRICT = sorted((HERE / "buggy_strict").glob("*.py"))
CORRECT = sorted((HERE / "correct").glob("*.py"))
CLAUSE_OF = {c.key: c.clause for c in cases("strict")}
"""The clause of every case key, in every profile."""


def load(path: Path) -> tuple[ModuleType, str]:
    """The member's module and its ``--dropout-impl`` value (``IMPL_ATTR = "name"`` names a factory;
    ``CONVENTION = "head"`` the convention it is written in, e.g. ``function-pair=keep``)."""
    attr, convention = "DropoutLayer", None
    for line in path.read_text().splitlines():
        if line.startswith(("IMPL_ATTR", "CONVENTION")):
            text = line.split("=", 1)[1].strip().strip("\"'")
            attr, convention = (text, convention) if line.startswith("IMPL_ATTR") else (attr, text)
    value = f"{path}:{attr}"
    if convention is not None:
        value = f"{convention}:{path}" if convention.startswith("function-pair") else f"{convention}:{value}"
    resolve(value)
    return sys.modules[_module_name(path)], value


def _module_name(path: Path) -> str:
    """The name resolve's file loader gives a member's module."""
    for name, module in sys.modules.items():
        if name.startswith("_dropout_impl_") and getattr(module, "__file__", None) == str(path.resolve()):
            return name
    raise LookupError(f"{path} was not loaded")


def run_member(path: Path, seed: int, profile: str = "spec") -> dict[str, CaseOutcome]:
    _, value = load(path)
    (impl,) = resolve(value)
    return run_all(impl.factory, seed, profile)  # type: ignore[arg-type]


def failed_clauses(outcomes: dict[str, CaseOutcome]) -> set[str]:
    return {CLAUSE_OF[k] for k, o in outcomes.items() if o.status == "failed"}


HOSTILE = sorted(p for p in (HERE / "hostile").iterdir() if not p.name.startswith((".", "_")) and (p.is_dir() or p.suffix == ".py"))
"""Hostile submissions: files, and folders holding a dropout.py. Never import one: that is the attack."""


def expectation(member: Path) -> tuple[str, float]:
    """A hostile member's ``EXPECT_STATUS`` and ``EXPECT_MAX_SCORE``, read as text."""
    if member.is_dir():  # a folder whose dropout.py is itself the attack (a link) says it in EXPECT.txt
        source = (member / "EXPECT.txt" if (member / "EXPECT.txt").exists() else member / "dropout.py").read_text()
    else:
        source = member.read_text()
    found = dict(re.findall(r"^(EXPECT_STATUS|EXPECT_MAX_SCORE) = (\"[^\"]*\"|[0-9.]+)", source, re.MULTILINE))
    return found["EXPECT_STATUS"].strip('"'), float(found["EXPECT_MAX_SCORE"])


def report_problem(kind: str, member: Path, record: dict[str, Any], *, blocked_ok: bool = False) -> str | None:
    """What is wrong with the grader's JSON report on a corpus member graded with the default
    rubric, or None: a correct member gets every point; a buggy one loses its ``CAUGHT_BY``
    clause (when the rubric has it) and loses no clause outside ``ALSO_FAILS`` (with ``blocked_ok``,
    its bug may block others); a hostile one gets its ``EXPECT_STATUS`` and no more than its honest points (exactly
    those when graded)."""
    points = {c["id"]: c["points"] for c in record["clauses"]}
    maximum = {c["id"]: c["max_points"] for c in record["clauses"]}
    lost = sorted(cid for cid in points if points[cid] < maximum[cid])
    if kind == "correct":
        return f"a correct member lost {lost}" if lost or record["status"] != "graded" else None
    if kind == "buggy":
        module, _ = load(member)
        allowed = {module.CAUGHT_BY, *getattr(module, "ALSO_FAILS", ())}
        if record["status"] != "graded":
            return f"status {record['status']}: {record['reason']}"
        if module.CAUGHT_BY in points and points[module.CAUGHT_BY] == maximum[module.CAUGHT_BY]:
            return f"not caught by {module.CAUGHT_BY}"
        status = {c["id"]: c["status"] for c in record["clauses"]}
        wrong = [cid for cid in lost if cid not in allowed and not (blocked_ok and status[cid] == "blocked")]
        return f"lost clauses its bug does not touch: {wrong}" if wrong else None
    status, most = expectation(member)
    if record["status"] != status:
        return f"status {record['status']!r}, expected {status!r} ({record['reason']})"
    if record["score"] > most:
        return f"the grader was fooled: {record['score']:g} points, at most {most:g} are honest"
    if status == "graded" and record["score"] < most:
        return f"harsher than the honest {most:g} points: {record['score']:g}"
    return None
