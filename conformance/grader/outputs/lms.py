"""Gradebooks for an LMS's own CSV import, joined to a roster (read by instructors, then by the LMS).

Canvas (Grades → Import): a header ``Student, ID, SIS User ID, SIS Login ID, Section`` then one
assignment column, a ``Points Possible`` row, then a row per student: the layout of Canvas's own
gradebook export, which its importer (canvas-lms app/models/gradebook_importer.rb) reads.
Moodle (Grades → Import → CSV file): the identifier column, then one grade column; the instructor
maps the first from username, email or ID number and the second to the grade item.

Only students with a submission get a row: a blank grade changes nothing in either LMS, and a row
Moodle cannot match to a user aborts its whole import. Every text cell is defused against formulas
(:func:`~.common.cell`); a student whose only identity would be changed by that is left out and
reported, never written under an identity the LMS would not find.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..model import GradeRun
from ..roster import CANVAS_IDS, Matching, Roster, Student
from .common import StrPath, cell, csv_text, fmt_points, write_atomic

LMS = Literal["canvas", "moodle"]
LMSES: tuple[LMS, ...] = ("canvas", "moodle")
CANVAS_HEADER = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")

CANVAS_RESERVED = {"Student", "LastName", "FirstName", "ID", "SIS User ID", "SIS Login ID", "Section", "Integration ID",
                   "Root Account"}
"""Canvas's importer (GRADEBOOK_IMPORTER_RESERVED_NAMES) reads these headers as student columns, never assignments."""
CANVAS_NOT_ASSIGNMENTS = ("Current Score", "Current Points", "Current Grade", "Final Score", "Final Points", "Final Grade",
                          "Override Score", "Override Grade", "Override Status")
"""A header containing one of these (NON_ASSIGNMENT_COLUMN_HEADERS) is dropped by Canvas's importer as a total."""


@dataclass(frozen=True)
class Written:
    """What a gradebook holds and what it had to leave out, for the instructor's report."""

    rows: int
    unmatched: list[str]
    """Submissions no roster row names."""
    absent: list[Student]
    """Roster students with no submission."""
    unidentified: list[tuple[str, Student]]
    """Matched submissions whose student has no identity the LMS can read as written."""


def roster_problem(lms: LMS, roster: Roster) -> str | None:
    """Why ``roster`` lacks what ``lms`` needs to identify students, or None."""
    if lms == "canvas":
        if roster.column("Student") is None or not any(roster.column(c) for c in CANVAS_IDS):
            return (f"roster {roster.path}: --gradebook canvas needs a Student column and at least one of "
                    f"{', '.join(CANVAS_IDS)} (Canvas's gradebook export has them all)")
    elif roster.moodle_identifier() is None:
        return (f"roster {roster.path}: --gradebook moodle needs a username, email (or 'Email address') or "
                "'ID number' column to identify students")
    return None


def assignment_problem(lms: LMS, name: str) -> str | None:
    """Why ``name`` cannot be the gradebook's assignment column, or None."""
    if not name.strip() or cell(name) != name:
        return f"--assignment {name!r}: give a name that is not empty and does not start with = + - @"
    if lms == "canvas" and (name in CANVAS_RESERVED or any(h in name for h in CANVAS_NOT_ASSIGNMENTS)):
        return f"--assignment {name!r}: Canvas reads that header as a student or total column, not an assignment"
    return None


def _identified(values: list[str]) -> bool:
    """Whether one identity is there and survives formula defusing unchanged."""
    return any(v and cell(v) == v for v in values)


def write_gradebook(lms: LMS, run: GradeRun, roster: Roster, matching: Matching, assignment: str, path: StrPath) -> Written:
    """The ``lms`` import file for ``run`` at ``path``, with a BOM (Excel is often opened on the way)."""
    scores = {s.name: s.score for s in run.submissions}
    unidentified: list[tuple[str, Student]] = []
    if lms == "canvas":
        columns = [roster.column(c) or "" for c in CANVAS_HEADER]
        rows = [[*CANVAS_HEADER, assignment], ["Points Possible", "", "", "", "", fmt_points(run.max_score)]]
    else:
        columns = [roster.moodle_identifier() or ""]
        rows = [[columns[0], assignment]]
    for name, student in matching.pairs:
        values = [student.get(c) if c else "" for c in columns]
        if not _identified(values[1:4] if lms == "canvas" else values):
            unidentified.append((name, student))
            continue
        rows.append([*(cell(v) for v in values), fmt_points(scores[name])])
    write_atomic(path, csv_text(rows), newline="")
    header_rows = 2 if lms == "canvas" else 1
    return Written(len(rows) - header_rows, matching.unmatched, matching.absent, unidentified)


def report(lms: LMS, path: StrPath, roster: Roster, written: Written) -> list[str]:
    """Lines for the instructor: what the file holds, then everyone it leaves out and why."""
    name_column = roster.column("Student", "First name", "Name") or roster.key
    who = lambda s: f"{s.get(roster.key) or s.get(name_column) or '(blank)'} (line {s.line})"  # noqa: E731
    lines = [f"--gradebook {lms} {path}: {written.rows} student(s) graded, matched on roster column {roster.key!r}"]
    if written.unmatched:
        lines.append(f"  left out, no roster row names them ({len(written.unmatched)}): {', '.join(written.unmatched)}")
    if written.unidentified:
        lines.append(f"  left out, their roster row has no {lms} identity that can be written as is "
                     f"({len(written.unidentified)}): {', '.join(n for n, _ in written.unidentified)}")
    if written.absent:
        lines.append(f"  roster students with no submission ({len(written.absent)}): {', '.join(who(s) for s in written.absent)}")
    return lines
