"""No text that came out of a submission reaches a hidden clause's output, in any format.

A hostile submission (tests/corpus/hostile/smuggles_text_into_hidden_clauses.py) puts MARKER, the
hidden inputs and ``expected:``/``got:`` lines into everything it can: exception texts, exception
class names and ``__str__``, the name, ``__str__`` and ``__repr__`` of what it returns, and what it
prints. It is graded through the real command line twice: with every clause hidden, nothing of it
may appear in any clause's part of any output (its captured output stays in the instructor's
submission-level fields); with every clause visible, the same text does appear, which proves the
channels are real and the first assertion can fail.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.corpus.loading import HOSTILE

MEMBER = next(p for p in HOSTILE if p.stem == "smuggles_text_into_hidden_clauses")
MARKER = "SMUGGLED-7F3A"
CLAUSES = ("init.invalid-p", "infer.identity", "train.output-shape", "train.values", "back.mask-reuse",
           "back.before-forward-error")


def _grade(tmp_path: Path, visibility: str) -> dict[str, str]:
    """Grade the member with every clause at ``visibility``; the text of each output, by format."""
    work = tmp_path / visibility
    (work / "sub").mkdir(parents=True)
    shutil.copy(MEMBER, work / "sub" / "dropout.py")
    rubric = work / "rubric.toml"
    rubric.write_text("".join(f'[clauses."{c}"]\npoints = 1\nvisibility = "{visibility}"\n' for c in CLAUSES))
    out = work / "out"
    cmd = [sys.executable, "-m", "dropout_conformance", "grade", str(work / "sub"), "--rubric", str(rubric), "--seed", "7",
           "--timeout", "5", "--submission-timeout", "60", "--jobs", "1", "-q",
           "--gradescope", str(out / "results.json"), "--csv", str(out / "grades.csv"), "--json", str(out / "json"),
           "--junit", str(out / "junit.xml"), "--feedback", str(out / "feedback"), "--html", str(out / "class.html")]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    (report,) = (out / "json").glob("*.json")
    (feedback,) = (out / "feedback").glob("*.md")
    return {
        "gradescope": (out / "results.json").read_text(),
        "feedback": feedback.read_text(),
        "csv": (out / "grades.csv").read_text(),
        "json": report.read_text(),
        "junit": (out / "junit.xml").read_text(),
        "html": (out / "class.html").read_text(),
    }


def _clause_parts(outputs: dict[str, str]) -> dict[str, str]:
    """Each output without its submission-level captured output (instructor-only, and not a clause's)."""
    record = json.loads(outputs["json"])
    assert MARKER in record["output"], "the member printed its text: the captured output must hold it"
    junit = ET.fromstring(outputs["junit"])
    return {
        "gradescope": outputs["gradescope"],
        "feedback": outputs["feedback"],
        "csv": outputs["csv"],
        "json": json.dumps(record["clauses"]) + record["reason"],
        "junit": "".join(ET.tostring(case, encoding="unicode") for case in junit.iter("testcase")),
        "html": re.sub(r"<p>Captured output:</p><pre>.*?</pre>", "", outputs["html"], flags=re.S),
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    tmp = tmp_path_factory.mktemp("smuggling")
    tmp.chmod(0o755)  # a sandbox that drops root for 'nobody' must be able to traverse it
    return {v: _clause_parts(_grade(tmp, v)) for v in ("hidden", "visible")}


@pytest.mark.parametrize("fmt", ["gradescope", "feedback", "csv", "json", "junit", "html"])
def test_nothing_the_submission_said_reaches_a_hidden_clause(graded: dict[str, dict[str, str]], fmt: str) -> None:
    text = graded["hidden"][fmt]
    assert MARKER not in text, f"{fmt}: the submission's text reached a hidden clause"
    assert "hidden inputs" not in text


@pytest.mark.parametrize("fmt", ["gradescope", "feedback", "json", "junit", "html"])
def test_the_same_text_shows_where_the_clauses_are_visible(graded: dict[str, dict[str, str]], fmt: str) -> None:
    """The channels are real: visible clauses carry the student's own words (so the test above can fail).
    The CSV has no per-clause text at all."""
    assert MARKER in graded["visible"][fmt], f"{fmt}: the visible run shows none of the submission's text"


def test_every_channel_was_tried(graded: dict[str, dict[str, str]]) -> None:
    """Exception texts (given, or from ``__str__``), exception class names and returned type names all
    reach a visible clause. (The kit never calls ``str`` or ``repr`` on a returned object: those texts
    reach nothing, visible or not.)"""
    record = graded["visible"]["json"]
    for what in ("construction", "__str__ of the exception", "backward", "exception", "type"):
        assert f"{MARKER} {what}" in record, f"no visible clause shows the member's {what!r} text"


@pytest.mark.parametrize(
    ("dependent", "prerequisite", "leaks"),
    [("visible", "hidden", True), ("visible", "after_published", True), ("after_due_date", "after_published", True),
     ("after_published", "after_due_date", True), ("after_published", "hidden", True),
     ("hidden", "visible", False), ("hidden", "after_due_date", False), ("visible", "visible", False),
     ("after_published", "after_published", False), ("after_due_date", "visible", False)],
)
def test_a_rubric_cannot_show_a_clause_before_its_prerequisite(tmp_path, dependent, prerequisite, leaks):
    """back.instance-isolation is blocked when back.mask-reuse fails: shown earlier, its 0 and its
    'blocked by back.mask-reuse: ...' would tell students the withheld clause's result."""
    from dropout_conformance.grader.rubric import RubricError, load_rubric

    rubric = tmp_path / "rubric.toml"
    rubric.write_text(f'[clauses."back.instance-isolation"]\npoints = 1\nvisibility = "{dependent}"\n'
                      f'[clauses."back.mask-reuse"]\npoints = 1\nvisibility = "{prerequisite}"\n')
    if leaks:
        with pytest.raises(RubricError, match=r"back\.mask-reuse's result early"):
            load_rubric(str(rubric))
    else:
        assert [line.visibility for line in load_rubric(str(rubric)).lines] == [prerequisite, dependent]
