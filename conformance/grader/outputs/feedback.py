"""Per-student Markdown feedback (read by students)."""

from __future__ import annotations

from pathlib import Path

from ..model import GradeRun, SubmissionResult
from .common import Output, StrPath, fence, fmt_points, md, named, spec_clause, versions, write_atomic


def feedback_markdown(run: GradeRun, sub: SubmissionResult, released: bool = False) -> str:
    """One student's feedback: score, then per clause what the spec asks and what happened.

    Each clause shows its student view: a hidden clause (or an ``after_*`` one before ``released``)
    only its title, status and a fixed sentence of the kit's. The captured output is left out: it
    can echo hidden inputs.
    """
    lines = [
        f"# Feedback for {md(sub.name)}",
        "",
        f"**Score: {fmt_points(sub.score)} / {fmt_points(sub.max_score)}**",
        "",
        f"Graded by {versions(run)}.",
    ]
    if sub.status != "graded":
        lines += ["", f"**{md(sub.status)}**: {md(sub.reason)}"]
    for c in sub.clauses:
        mark = f"{fmt_points(c.points)} / {fmt_points(c.max_points)}"
        lines += ["", f"## {md(c.title)}: {c.status} ({mark})"]
        view = c.student(released)
        if c.visibility == "hidden":
            if c.status != "passed":
                lines += ["", md(view.summary)]
            continue
        spec = spec_clause(c.clause)
        lines += ["", f"Clause `{c.clause}` ({c.level})" + (f": {spec.text}" if spec else "")]
        if c.status == "passed":
            continue
        lines += ["", f"**What went wrong:** {md(view.summary)}"]
        if c.status == "failed" and c.cases_total:
            lines += ["", f"{c.cases_passed} of {c.cases_total} cases passed."]
        if view.details.strip():
            lines += ["", "Expected, got, and how to reproduce:", "", fence(view.details)]
    return "\n".join(lines) + "\n"


def feedback(run: GradeRun, directory: StrPath, released: bool = False) -> list[Path]:
    """``<safe name>.md`` per submission (same stems as ``json_reports``); returns the paths written."""
    return [write_atomic(Path(directory) / f"{stem}.md", feedback_markdown(run, sub, released)) for stem, sub in named(run)]


OUTPUT = Output("feedback", "write one Markdown feedback file per student", "student", feedback, folder=True)
