"""The grader's result model: one ClauseScore per rubric line, every output is written from it.

A clause's text fields are derived from its :class:`~dropout_conformance.results.ClauseVerdict`
by one rule: what the implementation said (exception texts, type names, and the submission's own
account of why it did not run) appears only for a ``visible`` clause, in every output; any other
clause carries the kit's words alone. What a *student* reads is :meth:`ClauseScore.student`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ..results import CaseOutcome, ClauseVerdict, StudentView, reason_line

Visibility = Literal["hidden", "after_due_date", "after_published", "visible"]
RELEASED_LATER = ("after_due_date", "after_published")


@dataclass
class ClauseScore:
    """One rubric line of one submission."""

    clause: str
    title: str
    level: str
    points: float
    max_points: float
    verdict: ClauseVerdict[CaseOutcome]
    visibility: Visibility = "visible"
    impl_value: str = "IMPL"
    """How the reproducers load the submission (its file and attribute)."""
    cause: str = ""
    """Why a NOT_RUN clause did not run, in the kit's words (an import error, the time limit): shown
    for every visibility, so it never quotes the submission (its status reason does that)."""
    seconds: float = 0.0
    """Wall time the clause's cases took in the sandbox (0 for a clause that did not run): JUnit's
    per-testcase ``time``. Measured by the grader per clause, since a case outcome carries no time."""

    @property
    def status(self) -> str:
        return self.verdict.status.value

    @property
    def cases_passed(self) -> int:
        return self.verdict.passed

    @property
    def cases_total(self) -> int:
        return self.verdict.total

    @property
    def words_shown(self) -> bool:
        """Whether this clause's outputs may carry the implementation's words."""
        return self.visibility == "visible"

    @property
    def reason(self) -> str:
        """One plain line on what went wrong (empty when passed), without reproducer values."""
        return reason_line(self.verdict, implementation_words=self.words_shown, cause=self.cause)

    @property
    def detail(self) -> str:
        """Every failed or blocked case in full (expected, got, reproducer), for instructors."""
        return "\n\n".join(
            o.render(self.impl_value, implementation_words=self.words_shown) for o in self.verdict.cases if o.failure is not None
        )

    def student(self, released: bool = False) -> StudentView:
        """What the student may read: details of a visible clause, or of an ``after_*`` one once
        ``released``; otherwise a fixed sentence of the kit's."""
        later = self.visibility in RELEASED_LATER
        return StudentView.of(
            self.verdict,
            visible=self.visibility == "visible" or (later and released),
            released_later=later,
            impl_value=self.impl_value,
            cause=self.cause,
        )


@dataclass
class SubmissionResult:
    name: str
    path: str
    status: Literal["graded", "no submission", "refused", "import error", "missing class", "crashed", "timed out"]
    reason: str
    """Empty when graded normally; otherwise why some or all clauses could not run."""
    clauses: list[ClauseScore] = field(default_factory=list)
    execution_time: float = 0.0
    output: str = ""
    """The submission's own stdout/stderr, captured and capped."""
    isolation: dict[str, Any] = field(default_factory=dict)
    """The isolation this submission's sandbox had, where it differs from the run's (Dask workers
    on machines that allow different levels); empty: the run's (:attr:`GradeRun.isolation`)."""

    @property
    def score(self) -> float:
        return sum(c.points for c in self.clauses)

    @property
    def max_score(self) -> float:
        return sum(c.max_points for c in self.clauses)


@dataclass
class GradeRun:
    kit_version: str
    spec_version: str
    profile: str
    seed: int
    rubric_source: str
    submissions: list[SubmissionResult] = field(default_factory=list)
    isolation: dict[str, Any] = field(default_factory=dict)
    """The sandbox isolation the run had (:meth:`~dropout_conformance.sandbox.isolation.Isolation.record`)."""

    @property
    def max_score(self) -> float:
        """The largest max score among submissions (one with no clauses, nothing submitted, has 0)."""
        return max((s.max_score for s in self.submissions), default=0.0)
