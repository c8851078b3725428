"""Rosters: which student each submission is, read from a CSV the LMS itself exports.

A roster is a CSV file (comma- or semicolon-separated, UTF-8 with or without a BOM) whose first row
names its columns. One column holds the submission names (``submission`` unless ``--roster-key``
names another, e.g. ``SIS Login ID`` when folders are named after logins); the others are the
LMS's identity columns, copied into the gradebook as they are:

- Canvas: ``Student``, and at least one of ``ID``, ``SIS User ID``, ``SIS Login ID``
  (``Section`` is copied when present). Canvas's own gradebook export is such a roster: its
  "Points Possible" and "Manual Posting"/"Muted" rows are skipped as Canvas's importer skips them.
- Moodle: ``username``, ``email`` (or Moodle's export header ``Email address``) or ``ID number``:
  the first of them the roster has is the identifier Moodle maps from.

Names match without regard to case or surrounding spaces; two rows with the same submission name
are an error, as is any row that is not well-formed CSV, each naming its line.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

CANVAS_IDS = ("ID", "SIS User ID", "SIS Login ID")
"""Canvas's importer finds a student by ID, else SIS User ID, else SIS Login ID, then by name."""
MOODLE_IDS = (("username",), ("email", "email address"), ("id number", "idnumber"))
"""Moodle's "Map to" choices username, useremail, useridnumber, by the headers rosters give them."""
_SKIPPED_ROW = re.compile(r"^\s*(Muted|Manual Posting.*)?\s*$", re.IGNORECASE)
_CANVAS_QUOTED = re.compile(r'^="(.*)"$', re.DOTALL)


class RosterError(Exception):
    """A roster that cannot be used as written."""


def _key(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip().casefold()


@dataclass(frozen=True)
class Student:
    line: int
    """The roster line the student is on (1 is the header)."""
    values: dict[str, str]
    """Column (as the header spells it) to value."""

    def get(self, column: str) -> str:
        return self.values.get(column, "")


@dataclass(frozen=True)
class Matching:
    """Submissions joined to roster students."""

    pairs: list[tuple[str, Student]]
    """(submission name, student), in roster order."""
    unmatched: list[str]
    """Submissions whose name no roster row has."""
    absent: list[Student]
    """Roster students with no submission."""


@dataclass(frozen=True)
class Roster:
    path: str
    key: str
    """The header of the column holding submission names."""
    columns: list[str]
    students: list[Student] = field(default_factory=list)

    def column(self, *names: str) -> str | None:
        """The roster's header for the first of ``names`` it has (case-insensitive), or None."""
        by_key = {_key(c): c for c in self.columns}
        return next((by_key[_key(n)] for n in names if _key(n) in by_key), None)

    def moodle_identifier(self) -> str | None:
        """The column Moodle maps users from: the first of username, email, ID number the roster has."""
        return next((found for names in MOODLE_IDS if (found := self.column(*names))), None)

    def match(self, names: list[str]) -> Matching:
        by_key = {_key(s.get(self.key)): s for s in self.students if s.get(self.key).strip()}
        found = {n: by_key.get(_key(n)) for n in names}
        matched = {id(s): n for n, s in found.items() if s is not None}
        pairs = [(matched[id(s)], s) for s in self.students if id(s) in matched]
        return Matching(pairs, [n for n, s in found.items() if s is None], [s for s in self.students if id(s) not in matched])


def _text(path: str) -> str:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise RosterError(f"cannot read roster {path}: {exc.strerror}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RosterError(f"roster {path} line {line} is not UTF-8; save the roster as 'CSV UTF-8'") from None


def _delimiter(text: str) -> str:
    """``;`` when it splits the header into more fields than ``,`` (Canvas exports either, by locale)."""
    first = text.splitlines()[0] if text else ""
    count = {d: len(next(csv.reader([first], delimiter=d), [])) for d in ",;"}
    return ";" if count[";"] > count[","] else ","


def _unquoted(value: str) -> str:
    """A cell as Canvas meant it: its export writes a name starting with = as ``="name"``."""
    m = _CANVAS_QUOTED.match(value)
    return m.group(1) if m else value


def load_roster(path: str, key: str = "submission") -> Roster:
    """The roster at ``path``, whose ``key`` column holds the submission names."""
    text = _text(path)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    try:
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise RosterError(f"roster {path} line {reader.line_num}: not valid CSV ({exc})") from None
    if not rows or not any(c.strip() for c in rows[0][1]):
        raise RosterError(f"roster {path} is empty; its first row must name the columns")
    columns = [c.strip() for c in rows[0][1]]
    seen: dict[str, str] = {}
    for c in columns:
        if c and _key(c) in seen:
            raise RosterError(f"roster {path} line 1: column {c!r} appears twice")
        seen[_key(c)] = c
    roster = Roster(path, "", columns)
    found = roster.column(key)
    if found is None:
        raise RosterError(f"roster {path} has no column {key!r} (its columns: {', '.join(c for c in columns if c)}); "
                          "name the column holding the submission names with --roster-key")
    students: list[Student] = []
    names: dict[str, int] = {}
    for line, row in rows[1:]:
        if not any(c.strip() for c in row) or "Points Possible" in row[0] or all(_SKIPPED_ROW.match(c) for c in row):
            continue  # blank, or Canvas's rows that describe assignments (its importer skips them too)
        if len(row) != len(columns):
            raise RosterError(f"roster {path} line {line}: {len(row)} fields, but the header has {len(columns)}")
        student = Student(line, {c: _unquoted(v.strip()) for c, v in zip(columns, row, strict=True) if c})
        name = _key(student.get(found))
        if name and name in names:
            raise RosterError(f"roster {path} line {line}: submission name {student.get(found)!r} is also on line {names[name]}")
        names[name] = line
        students.append(student)
    return Roster(path, found, columns, students)
