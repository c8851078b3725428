"""PrairieLearn's external-grader results.json (read by students).

PrairieLearn shows every test of results.json as soon as grading ends (it has no release dates of
its own), so an ``after_*`` clause shows only the kit's sentence until the grader runs with
``--release``. Messages and outputs go through PrairieLearn's ANSI-to-HTML conversion, which
escapes HTML but acts on terminal codes: every control character is shown as its escape.
"""

from __future__ import annotations

from typing import Any

from ..model import GradeRun, SubmissionResult
from .common import Output, StrPath, dumps, fmt_points, printable, versions, write_atomic

UPLOAD_HINT = "upload one Python file (dropout.py) that defines your DropoutLayer class, then submit again"
OUTPUT_BUDGET = 256 * 1024
"""Bytes of failure details in one results.json, shared by its tests' outputs (a message, one line,
gets MESSAGE_CAP): PrairieLearn's grader host rejects a results.json over 1 MB ("The grading results
were larger than 1MB"), a grading failure rather than a score, and JSON can double text's size."""
MESSAGE_CAP = 2048


def capped(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` bytes of UTF-8 at a line end, saying how much was left out."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    kept = data[: max(0, limit - 80)].decode("utf-8", "ignore")
    kept = kept[: kept.rfind("\n") + 1] if "\n" in kept else kept
    return kept + f"[{len(data) - len(kept.encode('utf-8'))} more bytes of details not shown]"


def score_fraction(sub: SubmissionResult) -> float:
    """The score as PrairieLearn wants it, a fraction in [0, 1] (it rejects anything outside as
    "score is out of range"); a rubric worth 0 points scores 1 exactly when every clause passed."""
    if sub.max_score > 0:
        return min(1.0, max(0.0, sub.score / sub.max_score))
    return float(bool(sub.clauses) and all(c.status == "passed" for c in sub.clauses))


def results(run: GradeRun, released: bool = False) -> dict[str, Any]:
    """The results.json object for the run's one submission.

    A graded submission (also one that did not import, crashed or timed out: the student's own
    doing, scored 0 with the reason) is ``gradable``; one with no Python file to grade is not, so
    PrairieLearn neither scores it nor counts the attempt, and its ``format_errors`` say what to upload.
    """
    if len(run.submissions) != 1:
        raise ValueError(
            f"PrairieLearn grades one submission per grading job, but this run has {len(run.submissions)}; "
            "write results.json from a run of exactly one submission"
        )
    sub = run.submissions[0]
    graded_by = f"Graded by {versions(run)}."
    if sub.status == "no submission":
        return {"gradable": False, "format_errors": [f"{sub.reason}: {UPLOAD_HINT}"], "message": graded_by}
    views = [c.student(released) for c in sub.clauses]
    share = OUTPUT_BUDGET // max(1, sum(1 for v in views if v.details))
    tests = [
        {
            "name": f"{c.clause} {c.title}",
            "points": c.points,
            "max_points": c.max_points,
            "message": capped(printable(view.summary), MESSAGE_CAP),
            "output": capped(printable(view.details), share),
        }
        for c, view in zip(sub.clauses, views, strict=True)
    ]
    summary = [f"Score: {fmt_points(sub.score)} / {fmt_points(sub.max_score)}", graded_by]
    if sub.status != "graded":
        summary.append(capped(printable(f"{sub.status}: {sub.reason}"), MESSAGE_CAP))
    return {"gradable": True, "score": score_fraction(sub), "message": "\n".join(summary), "tests": tests}


def prairielearn(run: GradeRun, path: StrPath, released: bool = False) -> None:
    """Write PrairieLearn's results.json for the one submission of ``run``, atomically."""
    write_atomic(path, dumps(results(run, released)))


OUTPUT = Output("prairielearn", "write PrairieLearn's results.json (one submission)", "student", prairielearn,
                one_submission=True)
