"""One JSON report per submission (read by instructors and scripts)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..model import GradeRun, SubmissionResult
from .common import Output, StrPath, dumps, named, write_atomic

JSON_SCHEMA = "dropout-conformance-grade/1.0"


def submission_record(run: GradeRun, sub: SubmissionResult) -> dict[str, Any]:
    """Everything known about one submission, for instructors and scripts."""
    return {
        "schema": JSON_SCHEMA,
        "kit_version": run.kit_version,
        "spec_version": run.spec_version,
        "profile": run.profile,
        "seed": run.seed,
        "rubric_source": run.rubric_source,
        "isolation": sub.isolation or run.isolation,
        "name": sub.name,
        "path": sub.path,
        "status": sub.status,
        "reason": sub.reason,
        "score": sub.score,
        "max_score": sub.max_score,
        "execution_time": sub.execution_time,
        "output": sub.output,
        "clauses": [
            {
                "id": c.clause,
                "title": c.title,
                "level": c.level,
                "points": c.points,
                "max_points": c.max_points,
                "status": c.status,
                "reason": c.reason,
                "detail": c.detail,
                "visibility": c.visibility,
                "cases_passed": c.cases_passed,
                "cases_total": c.cases_total,
            }
            for c in sub.clauses
        ],
    }


def json_reports(run: GradeRun, directory: StrPath) -> list[Path]:
    """``<safe name>.json`` per submission; returns the paths written, in submission order."""
    return [write_atomic(Path(directory) / f"{stem}.json", dumps(submission_record(run, sub))) for stem, sub in named(run)]


OUTPUT = Output("json", "write one JSON report per submission", "instructor", lambda run, to, _: json_reports(run, to), folder=True)
