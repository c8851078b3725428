"""The gradebook CSV, one row per submission (read by instructors)."""

from __future__ import annotations

from ..model import GradeRun
from .common import Output, StrPath, cell, clause_columns, csv_text, fmt_points, write_atomic


def csv_gradebook(run: GradeRun, path: StrPath) -> None:
    """One row per submission: name, total, max, points per clause (registry order), status, reason.

    A clause a submission has no score for is an empty cell, not 0, so "not graded" stays distinguishable.
    Text cells starting with = + - @ get a leading apostrophe so spreadsheets show them, not run them;
    the file starts with a BOM so Excel reads it as UTF-8. For an LMS import, see ``--gradebook``.
    """
    columns = [c.clause for c in clause_columns(run)]
    rows = [["name", "total", "max", *columns, "status", "reason"]]
    for sub in run.submissions:
        points = {c.clause: fmt_points(c.points) for c in sub.clauses}
        rows.append([cell(sub.name), fmt_points(sub.score), fmt_points(sub.max_score), *(points.get(cid, "") for cid in columns),
                     cell(sub.status), cell(sub.reason)])
    write_atomic(path, csv_text(rows), newline="")


OUTPUT = Output("csv", "write a gradebook CSV, one row per submission", "instructor", lambda run, to, _: csv_gradebook(run, to))
