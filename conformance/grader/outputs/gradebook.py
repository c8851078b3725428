"""The gradebook CSV, one row per submission (read by instructors)."""

from __future__ import annotations

import csv
import io

from ..model import GradeRun
from .common import Output, StrPath, clause_columns, fmt_points, write_atomic

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    """Defuse spreadsheet formula injection (a name like ``=HYPERLINK(...)``) with a leading apostrophe (OWASP)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_gradebook(run: GradeRun, path: StrPath) -> None:
    """One row per submission: name, total, max, points per clause (registry order), status, reason.

    A clause a submission has no score for is an empty cell, not 0, so "not graded" stays distinguishable.
    Text cells starting with = + - @ get a leading apostrophe so spreadsheets show them, not run them.
    """
    columns = [c.clause for c in clause_columns(run)]
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(["name", "total", "max", *columns, "status", "reason"])
    for sub in run.submissions:
        points = {c.clause: fmt_points(c.points) for c in sub.clauses}
        row = [_cell(sub.name), fmt_points(sub.score), fmt_points(sub.max_score)]
        row += [points.get(cid, "") for cid in columns]
        row += [_cell(sub.status), _cell(sub.reason)]
        writer.writerow(row)
    write_atomic(path, buf.getvalue(), newline="")


OUTPUT = Output("csv", "write a gradebook CSV, one row per submission", "instructor", lambda run, to, _: csv_gradebook(run, to))
