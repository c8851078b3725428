"""LMS gradebooks: the files import as Canvas's and Moodle's own importers read them, joined to a roster.

The importers are re-implemented here from their source, rule by rule, each citing where it is:
- Canvas: instructure/canvas-lms app/models/gradebook_importer.rb (``csv_stream``, ``header?``,
  ``row_has_student_headers?``, ``update_column_count``, ``strip_non_assignment_columns``,
  ``parse_assignments``, ``check_for_non_student_row``, ``process_pp``, ``process_student``,
  ``process_submissions``), ``Assignment.title_and_id`` (app/models/assignment.rb), and the export
  it reads back, lib/gradebook_exporter.rb@0140a2ef (header order, the "Points Possible" row,
  ``student_name`` writing a name that starts with = as ``="name"``).
- Moodle: moodle/moodle lib/csvlib.class.php@cf29c007 ``csv_import_reader::load_csv_content``
  (BOM trimmed, ``fgetcsv``, every row as long as the header) and
  grade/import/csv/classes/load_data.php ``prepare_import_grade_data``, ``map_user_data_with_value``,
  ``check_user_exists``, ``update_grade_item``, ``insert_grade_record`` (one unknown user aborts the
  import, a blank identifier keeps the previous row's user, grades are numbers up to 100).
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from dropout_conformance.grader.model import GradeRun
from dropout_conformance.grader.outputs.lms import assignment_problem, report, roster_problem, write_gradebook
from dropout_conformance.grader.roster import RosterError, load_roster
from tests.corpus.loading import HERE
from tests.test_grader import _cli_error, _grade_cli
from tests.test_grader_outputs import broken, make_run, partial, perfect

# ---------------------------------------------------------------------------------------------- Canvas's importer

CANVAS_RESERVED = {"Student", "LastName", "FirstName", "ID", "SIS User ID", "SIS Login ID", "Section", "Integration ID",
                   "Root Account"}
CANVAS_TOTALS = re.compile("Current Score|Current Points|Current Grade|Final Score|Final Points|Final Grade|"
                           "Override Score|Override Grade|Override Status")
CANVAS_MUTED = re.compile(r"^\s*(Muted|Manual Posting.*)?\s*$", re.IGNORECASE)


def canvas_import(data: bytes, students: dict[int, dict[str, str]]) -> dict:
    """What Canvas's importer makes of ``data`` for a course whose ``students`` are {id: {sis, login}}.

    Ruby's ``CSV.foreach`` is given no BOM-stripping encoding, so a BOM stays in the first cell; the
    header checks use ``include?``, which still finds "Student" there.
    """
    text = data.decode("utf-8")
    first = text.splitlines()[0]
    sep = ";" if len(next(csv.reader([first], delimiter=";"))) > len(next(csv.reader([first]))) else ","  # identify_delimiter
    rows = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=sep) if not re.fullmatch(r"[;, ]+", sep.join(r))]
    header = rows[0]
    assert len(header) > 3 and "Student" in header[0] and "ID" in header[1], "row_has_student_headers?"
    student_columns, sis_user, sis_login = 3, None, None
    if re.search(r"SIS\s+Login\s+ID", header[2]):
        sis_login, student_columns = 2, 4
    elif re.search(r"SIS\s+User\s+ID", header[2]) and re.search(r"SIS\s+Login\s+ID", header[3]):
        sis_user, sis_login, student_columns = 2, 3, 5
    assert "Section" in header[student_columns - 1], "header?: the last student column is Section"
    assignments = {}
    for name in [h for h in header[student_columns:] if not CANVAS_TOTALS.search(h)]:
        m = re.fullmatch(r"(.*)\s\((\d+)\)", name, re.DOTALL)  # Assignment.title_and_id
        assignments[header.index(name)] = (m.group(1), m.group(2)) if m else (name, None)
    points: dict[int, str] = {}
    grades: dict[int, dict[int, str]] = {}
    for row in rows[1:]:
        if "Points Possible" in row[0]:
            points = {i: row[i] for i in assignments if row[i]}
            continue
        if all(CANVAS_MUTED.match(c) for c in row if c is not None):
            continue
        found = int(row[1]) if row[1].isdigit() and int(row[1]) in students else None  # process_student
        for sid, ids in students.items():
            if found is None and sis_user is not None and row[sis_user] and ids.get("sis") == row[sis_user]:
                found = sid
            if found is None and sis_login is not None and row[sis_login] and ids.get("login") == row[sis_login]:
                found = sid
        assert found is not None, f"Canvas would add a new, unknown student for {row}"
        grades[found] = {i: row[i].strip() for i in assignments}
    return {"assignments": assignments, "points": points, "grades": grades}


CANVAS_EXPORT = (
    '\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,Lab 1 (101),Dropout layer (4242),Current Score,Final Score\n'
    ',,,,,Manual Posting,,,\n'
    '    Points Possible,,,,,10.00,6.00,(read only),(read only)\n'
    '"Smith, Alice",1001,S-1,alice,Section A,9.00,,90.00,90.00\n'
    '"Smith, Bob",1002,S-2,Bob Smith,Section A,8.00,,80.00,80.00\n'
    '"=""=cmd|calc""",1003,S-3,carol,Section B,7.00,,70.00,70.00\n'
    '"Ng, Ola",1004,,,Section B,,,0.00,0.00\n'
    '"Student, Test",1005,,,Section A,,,,\n'
)
"""Canvas's gradebook export, as lib/gradebook_exporter.rb writes it (BOM on, SIS IDs included),
with a student whose name starts with = (exported ``="..."``) and one with no SIS IDs."""
COURSE = {1001: {"sis": "S-1", "login": "alice"}, 1002: {"sis": "S-2", "login": "Bob Smith"},
          1003: {"sis": "S-3", "login": "carol"}, 1004: {}, 1005: {}}


def graded_run() -> GradeRun:
    return make_run(perfect("alice"), partial(), broken(), perfect("stranger"))  # partial() is "Bob Smith, Jr."


@pytest.mark.parametrize("sep", [",", ";"])
def test_canvas_gradebook_imports_as_canvas_reads_it(tmp_path: Path, sep: str) -> None:
    roster_file = tmp_path / "export.csv"
    rows = list(csv.reader(io.StringIO(CANVAS_EXPORT)))
    rows[4][3] = "Bob Smith, Jr."  # his folder is named after his login
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep).writerows(rows)
    roster_file.write_text(buf.getvalue(), encoding="utf-8")
    roster = load_roster(str(roster_file), "SIS Login ID")
    run = graded_run()
    matching = roster.match([s.name for s in run.submissions])
    out = tmp_path / "canvas.csv"
    written = write_gradebook("canvas", run, roster, matching, "Dropout layer (4242)", out)
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfStudent,ID,SIS User ID,SIS Login ID,Section,Dropout layer (4242)\r\n")
    course = {**COURSE, 1002: {"sis": "S-2", "login": "Bob Smith, Jr."}}
    imported = canvas_import(data, course)
    assert imported["assignments"] == {5: ("Dropout layer", "4242")}, "one column, the existing assignment by its ID"
    assert imported["points"] == {5: "6"}
    assert imported["grades"] == {1001: {5: "6"}, 1002: {5: "2.5"}, 1003: {5: "0"}}
    assert written.unmatched == ["stranger"] and [s.get("ID") for s in written.absent] == ["1004", "1005"]
    lines = report("canvas", out, roster, written)
    assert lines[1:] == ["  left out, no roster row names them (1): stranger",
                         "  roster students with no submission (2): Ng, Ola (line 7), Student, Test (line 8)"]


def test_canvas_defuses_names_and_matches_by_id(tmp_path: Path) -> None:
    roster_file = tmp_path / "r.csv"
    roster_file.write_text(CANVAS_EXPORT, encoding="utf-8")
    roster = load_roster(str(roster_file), "SIS Login ID")
    assert roster.students[2].get("Student") == "=cmd|calc", "Canvas's =\"...\" quoting is undone on reading"
    run = make_run(perfect("carol"))
    out = tmp_path / "canvas.csv"
    write_gradebook("canvas", run, roster, roster.match(["carol"]), "Dropout layer", out)
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows[2][:2] == ["'=cmd|calc", "1003"], "a formula-like name gets an apostrophe; the ID Canvas matches on is intact"
    assert canvas_import(out.read_bytes(), COURSE)["assignments"] == {5: ("Dropout layer", None)}, "a new assignment"


@pytest.mark.parametrize("name", ["Final Score", "Section", "=SUM(A1)", " "])
def test_assignment_names_canvas_would_not_read_as_an_assignment(name: str) -> None:
    assert assignment_problem("canvas", name)
    assert assignment_problem("canvas", "Dropout layer (4242)") is None


# ---------------------------------------------------------------------------------------------- Moodle's importer


def moodle_import(data: bytes, users: dict[str, int], mapfrom: str) -> dict[int, float | None]:
    """What Moodle's CSV grade import makes of ``data``, mapping users from column ``mapfrom``."""
    text = data.decode("utf-8").removeprefix("\ufeff")  # core_text::trim_utf8_bom
    text = re.sub("\r\n?", "\n", text).strip()
    rows = [r for r in csv.reader(io.StringIO(text)) if r != [] and r != [""]]
    header = [h.strip() for h in rows[0]]
    assert all(len(r) == len(header) for r in rows), "csvweirdcolumns"
    identifier = header.index(mapfrom)
    grades: dict[int, float | None] = {}
    student = None  # $this->studentid is reset once per import, not per line
    for row in rows[1:]:
        if len(row) <= 1:
            continue
        value = row[identifier].strip()
        if value:
            assert value in users, f"usermappingerror: {value!r} aborts the whole import"
            student = users[value]
        assert student is not None, "usermappingerrorusernotfound"
        assert value, "a blank identifier would put this grade on the previous row's user"
        grade = row[1 - identifier].strip()
        number = None if grade in ("", "-") else float(grade)  # unformat_float, else badgrade
        assert number is None or number <= 100, "gradevaluetoobig"
        grades[student] = number
    return grades


MOODLE_EXPORT = (
    "First name,Last name,ID number,Institution,Department,Email address,Assignment: Lab 1 (Real),"
    "Last downloaded from this course\n"
    "Alice,Smith,A1,,,alice@example.edu,9.00,1700000000\n"
    'Bob,Smith,"Bob Smith, Jr.",,,bob@example.edu,8.00,1700000000\n'
    "Dan,Doe,D4,,,-dan@example.edu,7.00,1700000000\n"
)
"""Moodle's plain-text grade export (grade/export/txt): its identity columns, items and timestamp."""


def test_moodle_gradebook_imports_as_moodle_reads_it(tmp_path: Path) -> None:
    roster_file = tmp_path / "moodle.csv"
    roster_file.write_text(MOODLE_EXPORT, encoding="utf-8")
    roster = load_roster(str(roster_file), "ID number")
    assert roster.moodle_identifier() == "Email address"
    run = make_run(perfect("A1"), partial(), perfect("D4"), perfect("nobody"))
    out = tmp_path / "moodle.csv"
    written = write_gradebook("moodle", run, roster, roster.match([s.name for s in run.submissions]), "Dropout layer", out)
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfEmail address,Dropout layer\r\n")
    users = {"alice@example.edu": 1, "bob@example.edu": 2, "-dan@example.edu": 4}
    assert moodle_import(data, users, "Email address") == {1: 6.0, 2: 2.5}
    assert [n for n, _ in written.unidentified] == ["D4"], "an identity defusing would change is left out, not mangled"
    assert written.unmatched == ["nobody"] and written.absent == []
    assert "D4" in report("moodle", out, roster, written)[2]


def test_roster_problems_per_lms(tmp_path: Path) -> None:
    plain = tmp_path / "plain.csv"
    plain.write_text("submission,username\nalice,asmith\n")
    roster = load_roster(str(plain))
    assert roster_problem("moodle", roster) is None and roster.moodle_identifier() == "username"
    assert "needs a Student column" in (roster_problem("canvas", roster) or "")
    plain.write_text("submission,Student,SIS Login ID\nalice,Alice,asmith\n")
    assert roster_problem("canvas", load_roster(str(plain))) is None
    assert "needs a username, email" in (roster_problem("moodle", load_roster(str(plain))) or "")


# ---------------------------------------------------------------------------------------------- malformed rosters


@pytest.mark.parametrize(
    "content, fragment",
    [
        (b"submission,username\nalice,a\nbob\n", "line 3: 1 fields, but the header has 2"),
        (b'submission,username\nalice,"a\n', "line 2"),
        (b"submission,username\nalice,a\nAlice ,b\n", "line 3: submission name 'Alice' is also on line 2"),
        (b"name,username\nalice,a\n", "no column 'submission'"),
        (b"submission,username\nal\xe9,a\n", "line 2 is not UTF-8"),
        (b"", "is empty"),
        (b"submission,Submission\n", "line 1: column 'Submission' appears twice"),
    ],
)
def test_a_malformed_roster_is_one_error_naming_the_line(tmp_path: Path, content: bytes, fragment: str) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(content)
    with pytest.raises(RosterError, match=re.escape(fragment)):
        load_roster(str(path))


# ---------------------------------------------------------------------------------------------- command line


@pytest.mark.parametrize("case", ["no-roster", "bad-lms", "malformed", "no-key", "reserved", "moodle-no-id", "unwritable",
                                  "roster-alone"])
def test_gradebook_usage_errors_are_one_line_before_grading(tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str) -> None:
    one = tmp_path / "alice.py"
    shutil.copy(HERE / "correct" / "np_where.py", one)
    (tmp_path / "roster.csv").write_text(CANVAS_EXPORT, encoding="utf-8")
    (tmp_path / "bad.csv").write_text("submission,username\nalice,a,extra\n")
    (tmp_path / "plain.csv").write_text("submission,Student\nalice,Alice\n")
    (tmp_path / "a-file").write_text("")
    out = str(tmp_path / "g.csv")
    roster = ["--roster", str(tmp_path / "roster.csv"), "--roster-key", "SIS Login ID"]
    argv, fragment = {
        "no-roster": (["--gradebook", "canvas", out], "needs --roster FILE"),
        "bad-lms": (["--gradebook", "blackboard", out, *roster], "choose canvas or moodle"),
        "malformed": (["--gradebook", "moodle", out, "--roster", str(tmp_path / "bad.csv")], "line 2: 3 fields"),
        "no-key": (["--gradebook", "canvas", out, *roster[:2]], "no column 'submission'"),
        "reserved": (["--gradebook", "canvas", out, *roster, "--assignment", "Current Score"], "total column"),
        "moodle-no-id": (["--gradebook", "moodle", out, "--roster", str(tmp_path / "plain.csv")], "username, email"),
        "unwritable": (["--gradebook", "canvas", str(tmp_path / "a-file" / "g.csv"), *roster], "--gradebook canvas"),
        "roster-alone": (roster, "--roster is read only with --gradebook"),
    }[case]
    assert fragment in _cli_error(capsys, str(one), *argv)
    assert not Path(out).exists()


def test_no_roster_match_at_all_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    one = tmp_path / "zed.py"
    shutil.copy(HERE / "correct" / "np_where.py", one)
    (tmp_path / "r.csv").write_text(CANVAS_EXPORT, encoding="utf-8")
    line = _cli_error(capsys, str(one), "--gradebook", "canvas", str(tmp_path / "g.csv"), "--roster", str(tmp_path / "r.csv"),
                      "--roster-key", "SIS Login ID")
    assert "no submission name is in its column 'SIS Login ID'" in line and "--roster-key" in line


def test_cli_writes_the_canvas_gradebook_and_reports_who_is_left_out(tmp_path: Path) -> None:
    subs = tmp_path / "class"
    subs.mkdir()
    shutil.copy(HERE / "correct" / "np_where.py", subs / "alice.py")
    shutil.copy(HERE / "correct" / "np_where.py", subs / "stranger.py")
    (tmp_path / "export.csv").write_text(CANVAS_EXPORT, encoding="utf-8")
    out = tmp_path / "canvas.csv"
    done, _ = _grade_cli(str(subs), "--seed", "5", "--gradebook", "canvas", str(out), "--roster", str(tmp_path / "export.csv"),
                         "--roster-key", "SIS Login ID", "--assignment", "Dropout layer (4242)", cwd=tmp_path,
                         tmpdir=Path(tempfile.gettempdir()),
                         timeout=240)
    assert done.returncode == 0, done.stderr
    assert canvas_import(out.read_bytes(), COURSE)["grades"] == {1001: {5: "6"}}
    assert "left out, no roster row names them (1): stranger" in done.stderr
    assert "roster students with no submission (4): Bob Smith (line 5), carol (line 6), Ng, Ola (line 7)" in done.stderr
