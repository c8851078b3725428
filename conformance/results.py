"""The result model: what happened to a case and to a clause, as data every view is rendered from.

Pure data and the standard library only (the dormant plugin may import it). No view parses a
message back: the terminal table, the JSON and Markdown reports, junitxml, the grader's outputs
and the conformance matrix all read these types.

What the *kit* states (``expected``, ``got``, ``evidence``) and what the *implementation* said
(``raised``, ``returned_type``) are separate fields. A view for a clause whose details a reader may
not see is a :class:`StudentView` built from kit-written sentences only, so no text that came out
of an implementation can reach it, whatever that text looks like.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Generic, Protocol, TypeVar

from .spec import clause as lookup_clause
from .spec import in_profile

MAX_REPRO_LINES = 14
REASON_LIMIT = 400
RAISED_LIMIT = 160
"""Characters of an exception's type and text in a one-line summary (the full render has them all)."""
RETURNED = "<returned type>"
"""Where a kit sentence names the type of a value the implementation returned: filled in with
``Failure.returned_type`` where the implementation's words may be shown, else with a neutral word."""


class Status(str, Enum):
    """One vocabulary for cases and clauses, in every view and in the grader."""

    PASSED = "passed"
    FAILED = "failed"
    BLOCKED = "blocked"
    EXPECTED_FAILURE = "expected failure"
    UNEXPECTED_PASS = "unexpected pass"
    SKIPPED = "skipped"
    NOT_RUN = "not run"

    def __str__(self) -> str:  # the value, on every Python (3.12 changed what a str mixin prints)
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)


WORST_FIRST = (
    Status.FAILED,
    Status.UNEXPECTED_PASS,
    Status.BLOCKED,
    Status.NOT_RUN,
    Status.EXPECTED_FAILURE,
    Status.SKIPPED,
    Status.PASSED,
)
"""A clause's status is the first of these that any of its cases has."""


@dataclass(frozen=True)
class Raised:
    """An exception the implementation raised. Every field is the implementation's words: its type's
    name, its text, the innermost frames (file names and source lines of its code) and the line that
    raised it. For a group, the first exception in it (the text notes how many there were)."""

    type_name: str
    text: str
    frames: str = ""
    where: str = ""
    """The line that raised it, ``file:line: source`` (its innermost frame in the implementation's code)."""

    def said(self) -> str:
        """``ValueError: bad p``; ``ForwardNotCalledError (no message)`` for an empty text."""
        return f"{self.type_name}: {self.text}" if self.text.strip() else f"{self.type_name} (no message)"

    def render(self) -> str:
        lines = [f"raised by the implementation (its own words): {self.said()}"]
        lines += [f"  at {self.where}"] if self.where else []
        lines += [self.frames] if self.frames else []
        return "\n".join(lines)

    def one_line(self) -> str:
        """Type, text (cut short, so the line that raised still fits a summary) and that line."""
        said = _one_line(self.said(), RAISED_LIMIT)
        return f"{said} (at {self.where})" if self.where else said


@dataclass(frozen=True)
class Reproducer:
    """The calls a check made, as lines of Python, and the check's seed: rendered per view, because
    only the runner knows how the reader loads the implementation (``impl_value``)."""

    seed: int
    calls: tuple[str, ...]
    seeded: tuple[str, ...] = ()
    """The global generators the kit seeded with ``seed`` before the check (``seeding.seed_generators``)."""

    def python(self, impl_value: str) -> list[str]:
        body = list(self.calls)
        if len(body) > MAX_REPRO_LINES:
            skipped = len(body) - MAX_REPRO_LINES
            body = body[: MAX_REPRO_LINES // 2] + [f"# ... {skipped} more calls ..."] + body[-MAX_REPRO_LINES // 2 :]
        which = ", ".join(self.seeded) or "random, numpy.random"
        return [
            "import numpy as np",
            "from dropout_conformance import load_implementation, seed_generators",
            f"impl = load_implementation({impl_value!r})",
            f"seed_generators({self.seed})  # the check's seed, as the kit set it in {which}: masks drawn from them replay",
            *body,
        ]


@dataclass(frozen=True)
class Failure:
    """Why a case did not pass. ``expected``, ``got`` and ``evidence`` are the kit's sentences;
    ``raised`` and ``returned_type`` are the implementation's words, kept apart."""

    clause: str
    got: str
    expected: str = ""
    evidence: tuple[str, ...] = ()
    raised: Raised | None = None
    returned_type: str | None = None
    """The type name of a non-array the implementation returned (a class may be named anything)."""
    reproducer: Reproducer | None = None

    def got_text(self, *, implementation_words: bool) -> str:
        """The kit's ``got``, with the returned type's name where the implementation's words may show."""
        if RETURNED not in self.got:
            return self.got
        name = self.returned_type if implementation_words and self.returned_type else "a value of another type"
        return self.got.replace(RETURNED, name)

    def render(self, impl_value: str, rerun: str = "", *, implementation_words: bool) -> str:
        """The whole message: clause, spec text, what happened, and how to reproduce it with
        ``load_implementation(impl_value)`` (and ``rerun``, a command, when the runner has one).
        ``implementation_words``: include what the implementation said (the caller decides, always)."""
        c = lookup_clause(self.clause)
        lines = [f"[{c.id}] ({c.level}) {c.title}", f"  spec: {c.text}"]
        lines += [f"expected: {self.expected}"] if self.expected else []
        lines += [f"got: {self.got_text(implementation_words=implementation_words)}", *self.evidence]
        if implementation_words and self.raised:
            lines.append(self.raised.render())
        if self.reproducer is not None:
            lines += ["", "reproduce:"]
            if rerun:
                lines += [f"  {rerun}", "  # or, in Python:"]
            lines += [f"  {line}" for line in self.reproducer.python(impl_value)]
        return "\n".join(lines)

    def what_happened(self, *, implementation_words: bool) -> str:
        """One plain line: the kit's ``got``, then what the implementation raised (marked as its words)."""
        text = self.got_text(implementation_words=implementation_words)
        if implementation_words and self.raised:
            text += f" / the implementation raised {self.raised.one_line()}"
        return _one_line(text)

    def summary(self, *, implementation_words: bool) -> str:
        """One plain line: expected and got, no reproducer."""
        got = f"got: {self.what_happened(implementation_words=implementation_words)}"
        return _one_line(f"expected: {self.expected} / {got}" if self.expected else got)


def _one_line(text: str, limit: int = REASON_LIMIT) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


@dataclass(frozen=True)
class CaseOutcome:
    """What happened to one case. ``failure`` is set for a failed or blocked case (and kept for an
    expected failure); ``blocked_by`` names the prerequisite clause of a blocked one; ``note`` is the
    kit's word on an expectation (which manifest entry, and whether this seed detected it)."""

    status: Status
    failure: Failure | None = None
    blocked_by: str = ""
    note: str = ""

    def render(self, impl_value: str, rerun: str = "", *, implementation_words: bool = True) -> str:
        """The text a pytest report reads for this case: by default the implementation's author's
        view, its own words included (the grader decides per clause through ``ClauseScore``)."""
        parts = []
        if self.note:
            parts.append(self.note)
        if self.failure is not None:
            body = self.failure.render(impl_value, rerun, implementation_words=implementation_words)
            if self.status is Status.BLOCKED:
                body = f"blocked by {self.blocked_by}: " + body
            parts.append(body)
        return "\n".join(parts)


class _HasStatus(Protocol):
    @property
    def status(self) -> Status: ...


C = TypeVar("C", bound=_HasStatus)


@dataclass(frozen=True)
class ClauseVerdict(Generic[C]):
    """One clause of one implementation: the single rule for a clause's status, used by every view
    and by the grader. ``cases`` are CaseOutcomes (where checks ran) or CaseRecords (rebuilt from
    pytest's reports)."""

    clause: str
    status: Status
    counts: Mapping[Status, int] = field(default_factory=dict)
    cases: tuple[C, ...] = ()
    total: int = 0
    """Cases the clause has; more than ran when a run stopped early (then the status is NOT_RUN)."""

    @classmethod
    def from_cases(cls, clause_id: str, cases: Iterable[C], total: int | None = None) -> ClauseVerdict[C]:
        """The worst status among the cases (WORST_FIRST); NOT_RUN when none ran or fewer than ``total``."""
        ran = tuple(cases)
        counts = Counter(c.status for c in ran)
        total = len(ran) if total is None else total
        if not ran or len(ran) < total:
            status = Status.NOT_RUN
        else:
            status = next(s for s in WORST_FIRST if counts.get(s))
        return cls(clause_id, status, dict(counts), ran, total)

    @property
    def passed(self) -> int:
        return self.counts.get(Status.PASSED, 0)

    @property
    def first(self) -> C | None:
        """The first failed case, else the first blocked one: the one a reader is told about."""
        for status in (Status.FAILED, Status.BLOCKED):
            found = next((c for c in self.cases if c.status is status), None)
            if found is not None:
                return found
        return None

    def cell(self) -> str:
        """The table cell: ``pass 3``, or counts such as ``1 FAIL, 2 passed``; ``-`` when nothing ran."""
        if not self.cases:
            return "-"
        if self.passed == len(self.cases):
            return f"pass {self.passed}"
        order = [s for s in WORST_FIRST if s is not Status.PASSED] + [Status.PASSED]
        return ", ".join(f"{self.counts[s]} {SHORT.get(s, s.value)}" for s in order if self.counts.get(s))


SHORT = {Status.FAILED: "FAIL", Status.EXPECTED_FAILURE: "xfail", Status.UNEXPECTED_PASS: "XPASS(strict)"}


@dataclass(frozen=True)
class CaseRecord:
    """One (implementation, case) test as a runner reports it: the outcome rendered for its reader."""

    test_id: str
    impl: str
    baseline: bool
    clause: str
    level: str
    case: str
    status: Status
    message: str
    reproducer: str


@dataclass(frozen=True)
class ImplementationRecord:
    name: str
    value: str
    how: str
    baseline: bool
    error: str | None


@dataclass
class RunRecord:
    """A whole conformance run, as every view of it (terminal, JSON, Markdown) reads it."""

    profile: str
    seed: int
    implementations: list[ImplementationRecord]
    xfail_files: list[str]
    cases_per_implementation: int
    should_cases_left_out: int
    """SHOULD cases per implementation outside the profile (strict runs them)."""
    results: list[CaseRecord] = field(default_factory=list)
    named_clauses: tuple[str, ...] = ()
    """``--dropout-clause``: the clauses this run was limited to; empty: the profile's."""

    def selected(self, clause: Any) -> bool:
        """Whether a clause (a registry entry) was part of this run: named, or in the profile."""
        return clause.id in self.named_clauses if self.named_clauses else in_profile(clause, self.profile)

    def verdict(self, impl: str, clause_id: str) -> ClauseVerdict[CaseRecord]:
        return ClauseVerdict.from_cases(clause_id, [r for r in self.results if r.impl == impl and r.clause == clause_id])


def student_sentence(status: Status, *, blocked_by: str = "", released_later: bool = False) -> str:
    """The kit's fixed sentence for a clause whose details the student may not read."""
    if status is Status.PASSED:
        return "passed"
    if status is Status.BLOCKED:
        return f"blocked: the prerequisite clause {blocked_by} failed, so this one could not be checked" if blocked_by else (
            "blocked: a prerequisite clause failed, so this one could not be checked"
        )
    if status is Status.NOT_RUN:
        return "not run: the submission could not be graded this far (see its status)"
    later = "they are shown once grades are published" if released_later else "this check is hidden"
    return f"{status.value}; the details are not shown ({later})"


def reason_line(verdict: ClauseVerdict[CaseOutcome], *, implementation_words: bool, cause: str = "") -> str:
    """One plain line on a clause that did not pass (empty when it did): its first failed (else
    blocked) case's account, or why it did not run. ``cause`` is the kit's words, like the rest."""
    if verdict.status is Status.PASSED:
        return ""
    first = verdict.first
    if verdict.status is Status.NOT_RUN or first is None or first.failure is None:
        return _one_line(f"not run: {cause}") if cause else verdict.status.value
    if first.status is Status.BLOCKED:
        return _one_line(f"blocked by {first.blocked_by}: {first.failure.what_happened(implementation_words=implementation_words)}")
    return first.failure.summary(implementation_words=implementation_words)


@dataclass(frozen=True)
class StudentView:
    """What a student may read about one clause: built only through :meth:`of`.

    For a clause whose details are visible, the kit's account and the student's own words; for a
    hidden one, or one not yet released, a fixed kit-written sentence (or the kit's reason it did
    not run) and nothing else.
    """

    summary: str
    details: str = ""

    @classmethod
    def of(cls, verdict: ClauseVerdict[CaseOutcome], *, visible: bool, released_later: bool = False, impl_value: str = "IMPL",
           cause: str = "") -> StudentView:
        """``visible``: the student may read details now. ``cause``: the kit's reason a NOT_RUN
        clause did not run (an import error, the time limit), never the submission's words."""
        if verdict.status is Status.NOT_RUN and cause:
            return cls(_one_line(f"not run: {cause}"))
        if not visible:
            first = verdict.first
            return cls(student_sentence(verdict.status, blocked_by=first.blocked_by if first else "",
                                        released_later=released_later))
        details = "\n\n".join(o.render(impl_value) for o in verdict.cases if o.failure is not None)
        return cls(reason_line(verdict, implementation_words=True) or "passed", details)
