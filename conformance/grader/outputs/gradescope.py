"""Gradescope's results.json (read by students)."""

from __future__ import annotations

from ..model import RELEASED_LATER, GradeRun
from .common import Output, StrPath, dumps, fence, fmt_points, md, versions, write_atomic


def gradescope(run: GradeRun, path: StrPath) -> None:
    """Gradescope's results.json for the one submission in its container, in exactly its documented schema.

    Top-level ``max_score`` is not part of that schema (the assignment sets it), so it is not written.
    Per test, the ``output`` is the clause's student view: for a visible clause its reason and
    details, for a hidden one a fixed sentence of the kit's. An ``after_*`` test, which Gradescope
    shows only once the due date passes or grades are published, carries the kit's reason line.
    """
    if len(run.submissions) != 1:
        raise ValueError(
            f"Gradescope grades one submission per container, but this run has {len(run.submissions)}; "
            "write results.json from a run of exactly one submission"
        )
    sub = run.submissions[0]
    tests = []
    for i, c in enumerate(sub.clauses, start=1):
        output = ""
        if c.status != "passed" and c.visibility in RELEASED_LATER:
            output = md(c.reason)  # the kit's words: Gradescope itself withholds the test until its time
        elif c.status != "passed":
            view = c.student()
            output = md(view.summary) + ("\n\n" + fence(view.details) if view.details.strip() else "")
        tests.append(
            {
                "name": f"{c.clause} {c.title}",
                "number": f"1.{i}",
                "score": c.points,
                "max_score": c.max_points,
                "status": "passed" if c.status == "passed" else "failed",
                "output": output,
                "output_format": "md",
                "visibility": c.visibility,
                "tags": [c.clause, c.level],
            }
        )
    score = sum(c.points for c in sub.clauses)  # the same additions in the same order: equals the sum of the tests
    summary = [f"**Score: {fmt_points(score)} / {fmt_points(sub.max_score)}**", "", f"Graded by {versions(run)}."]
    if sub.status != "graded":
        summary += ["", f"**{md(sub.status)}**: {md(sub.reason)}"]
    results = {
        "score": score,
        "execution_time": max(0, round(sub.execution_time)),
        "output": "\n".join(summary),
        "output_format": "md",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {"isolation": run.isolation},
    }
    write_atomic(path, dumps(results))


OUTPUT = Output("gradescope", "write Gradescope's results.json (one submission)", "student", lambda run, to, _: gradescope(run, to),
                one_submission=True)
