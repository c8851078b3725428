"""The one result model every grader output is written from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ClauseStatus = Literal["passed", "failed", "blocked", "not run"]
Visibility = Literal["hidden", "after_due_date", "after_published", "visible"]


@dataclass
class ClauseScore:
    """One rubric line of one submission."""

    clause: str
    title: str
    level: str
    points: float
    max_points: float
    status: ClauseStatus
    reason: str
    """Plain, student-safe: what went wrong, without hidden values (empty when passed)."""
    detail: str
    """The full failure messages (expected, got, reproducer) for instructors and visible clauses."""
    visibility: Visibility = "visible"
    cases_passed: int = 0
    cases_total: int = 0


@dataclass
class SubmissionResult:
    name: str
    path: str
    status: Literal["graded", "no submission", "import error", "missing class", "crashed", "timed out"]
    reason: str
    """Empty when graded normally; otherwise why some or all clauses could not run."""
    clauses: list[ClauseScore] = field(default_factory=list)
    execution_time: float = 0.0
    output: str = ""
    """The submission's own stdout/stderr, captured and capped."""

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

    @property
    def max_score(self) -> float:
        return self.submissions[0].max_score if self.submissions else 0.0
