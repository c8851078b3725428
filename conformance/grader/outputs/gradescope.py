"""Gradescope's results.json (read by students), per the "Autograder Specifications"
(gradescope-autograders.readthedocs.io/en/latest/specs/, "Output format" and "Controlling Test Case
Visibility").

Gradescope itself gates each test by its ``visibility``: ``hidden`` never reaches students,
``after_due_date`` and ``after_published`` only once the due date passes or grades are published.
So a test carries what its student may read *at the time Gradescope shows it*: a visible or
``after_*`` test its full details (reason, expected/got, reproducer), a hidden one a fixed sentence
of the kit's. The top level is always shown, so nothing there may depend on a test a student cannot
see yet:

- the top-level ``score`` is written (the sum of the tests', as Gradescope would add them): the
  specification says that "if test cases are hidden, students will not be able to see their total
  score", so Gradescope withholds it while any test is; the top-level ``output`` states the score
  only when every test is ``visible``, and otherwise says why it is not shown;
- the submission's status and reason are stated only when every test is visible, or when no check
  ran at all (an import error, a missing file: every test says the same);
- ``execution_time`` (a hidden check that runs to its time limit would show in it) is written only
  when every test is visible; ``extra_data``, which Gradescope stores and does not show, always has
  it, with the seed, the kit and spec versions, the profile, the rubric source and the isolation.
"""

from __future__ import annotations

from typing import Any

from ..model import RELEASED_LATER, ClauseScore, GradeRun, SubmissionResult
from .common import Output, StrPath, dumps, fence, fmt_points, md, versions, write_atomic


def _test_output(c: ClauseScore) -> str:
    if c.status == "passed":
        return ""
    view = c.student(released=c.visibility in RELEASED_LATER)  # Gradescope withholds an after_* test until its time
    return md(view.summary) + ("\n\n" + fence(view.details) if view.details.strip() else "")


def _summary(run: GradeRun, sub: SubmissionResult, all_visible: bool) -> str:
    if all_visible:
        lines = [f"**Score: {fmt_points(sub.score)} / {fmt_points(sub.max_score)}**"]
    else:
        later = sum(c.visibility in RELEASED_LATER for c in sub.clauses)
        hidden = sum(c.visibility == "hidden" for c in sub.clauses)
        lines = [f"**Score:** not shown here: {hidden} test(s) are hidden and {later} are shown only after the due date "
                 "or once grades are published (Gradescope shows your total when it may)."]
    lines += ["", f"Graded by {versions(run)}."]
    nothing_ran = all(c.status == "not run" for c in sub.clauses)
    if sub.status != "graded" and (all_visible or nothing_ran):
        lines += ["", f"**{md(sub.status)}**: {md(sub.reason)}"]
    return "\n".join(lines)


def results_json(run: GradeRun) -> dict[str, Any]:
    """The results.json object for the one submission in a Gradescope container."""
    if len(run.submissions) != 1:
        raise ValueError(
            f"Gradescope grades one submission per container, but this run has {len(run.submissions)}; "
            "write results.json from a run of exactly one submission"
        )
    sub = run.submissions[0]
    tests = [
        {
            "name": f"{c.clause} {c.title}",
            "number": f"1.{i}",
            "score": c.points,
            "max_score": c.max_points,
            "status": "passed" if c.status == "passed" else "failed",
            "output": _test_output(c),
            "output_format": "md",
            "visibility": c.visibility,
            "tags": [c.clause, c.level],
        }
        for i, c in enumerate(sub.clauses, start=1)
    ]
    all_visible = all(c.visibility == "visible" for c in sub.clauses)
    execution_time = max(0, round(sub.execution_time))
    results: dict[str, Any] = {
        "score": sum(c.points for c in sub.clauses),  # the same additions in the same order: equals the sum of the tests
        "output": _summary(run, sub, all_visible),
        "output_format": "md",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {
            "seed": run.seed, "kit_version": run.kit_version, "spec_version": run.spec_version, "profile": run.profile,
            "rubric_source": run.rubric_source, "isolation": run.isolation, "execution_time": execution_time,
        },
    }
    if all_visible:
        results["execution_time"] = execution_time
    return results


def gradescope(run: GradeRun, path: StrPath) -> None:
    """Write results.json (atomically: a half-written file shows students "The autograder failed")."""
    write_atomic(path, dumps(results_json(run)))


OUTPUT = Output("gradescope", "write Gradescope's results.json (one submission)", "student", lambda run, to, _: gradescope(run, to),
                one_submission=True)
