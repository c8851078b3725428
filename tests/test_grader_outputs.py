"""Grader outputs: each writer, for real, from hand-built runs (perfect, partial, import error, hostile name)."""

from __future__ import annotations

import csv
import json
import os
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from dropout_conformance.grader import outputs
from dropout_conformance.grader.model import ClauseScore, GradeRun, SubmissionResult
from dropout_conformance.grader.outputs.common import md
from dropout_conformance.results import CaseOutcome, ClauseVerdict, Failure, Reproducer, Status, student_sentence
from dropout_conformance.spec import clause
from tests.helpers import jenkins_junit_problems

HOSTILE = '../<script>x</script>, "quoted"'
SECRET = "SECRET-HIDDEN-VALUE-0.731"
IDS = ["init.invalid-p", "infer.identity", "train.values", "train.unbiased", "train.p-zero", "back.mask-reuse"]
VISIBILITY = {"train.unbiased": "hidden", "train.p-zero": "after_due_date"}


def score(cid: str, status: str = "passed", points: float | None = None, got: str = "", evidence: str = "",
          cause: str = "") -> ClauseScore:
    """A clause of ``status`` over 3 cases (1 passed unless all did), its first case failing with ``got``
    (the kit's words) and ``evidence`` lines, as the checks would report it."""
    c = clause(cid)
    if points is None:
        points = 1.0 if status == "passed" else 0.0
    failure = Failure(cid, got, evidence=tuple(evidence.splitlines()), reproducer=Reproducer(5, ("layer = impl(0.5)",)))
    bad = {"failed": CaseOutcome(Status.FAILED, failure),
           "blocked": CaseOutcome(Status.BLOCKED, failure, blocked_by="init.valid-p")}.get(status)
    ran = {"passed": [CaseOutcome(Status.PASSED)] * 3, "not run": []}.get(status, [CaseOutcome(Status.PASSED), bad, bad])
    verdict = ClauseVerdict.from_cases(cid, ran, 3)
    assert verdict.status.value == status
    return ClauseScore(cid, c.title, c.level, points, 1.0, verdict, VISIBILITY.get(cid, "visible"),  # type: ignore[arg-type]
                       "/subs/x/dropout.py:DropoutLayer", cause, 0.0 if status == "not run" else 0.25)


def perfect(name: str = "alice") -> SubmissionResult:
    return SubmissionResult(name, f"/subs/{name}", "graded", "", [score(cid) for cid in IDS], 1.6, "hello\n")


def partial() -> SubmissionResult:
    clauses = [score(cid) for cid in IDS]
    clauses[1] = score("infer.identity", "failed", 0.0, "inference changed the values",
                       "expected x unchanged\ngot x*2\nreproduce: pytest -k 'infer' ```fence```")
    clauses[3] = score("train.unbiased", "failed", 0.0, "kept fraction is not 1-p", f"kept 0.4 at p={SECRET}")
    clauses[4] = score("train.p-zero", "failed", 0.5, "dropped elements at p=0", f"after-due detail {SECRET}")
    clauses[5] = score("back.mask-reuse", "blocked", 0.0, "layer = impl(0.5) failed")
    return SubmissionResult("Bob Smith, Jr.", "/subs/bob", "graded", "", clauses, 2.4, "\x1b[31mSTUDENT-STDOUT\x00\n")


def broken() -> SubmissionResult:
    clauses = [score(cid, "not run", cause="the submission did not import") for cid in IDS]
    return SubmissionResult("carol", "/subs/carol", "import error", "ImportError: No module named 'torch'", clauses, 0.2)


def hostile() -> SubmissionResult:
    sub = partial()
    sub.name, sub.path = HOSTILE, "/subs/hostile"
    sub.clauses[1] = score("infer.identity", "failed", 0.0, "<script>alert(1)</script> & <b>bold</b>")
    sub.output = "<script>alert(2)</script>"
    return sub


def make_run(*subs: SubmissionResult) -> GradeRun:
    return GradeRun("0.1.0", "1.0", "core", 1234, "rubric.toml", list(subs))


@pytest.fixture
def run() -> GradeRun:
    return make_run(perfect(), partial(), broken(), hostile(), perfect("=HYPERLINK(1)"), perfect("Alice"))


def test_atomic_write_keeps_old_file_on_failure(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text("old")
    bad = perfect()
    bad.clauses[0].points = float("nan")
    with pytest.raises(ValueError):
        outputs.gradescope(make_run(bad), path)
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["results.json"]


# ---------------------------------------------------------------------------------------------- CSV


def test_csv_round_trips_names_and_points(tmp_path: Path, run: GradeRun) -> None:
    path = tmp_path / "grades.csv"
    outputs.csv_gradebook(run, path)
    assert path.read_bytes().startswith(b"\xef\xbb\xbfname,"), "a BOM, so Excel reads UTF-8"
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["name", "total", "max", *IDS, "status", "reason"]
    assert len(rows) == 1 + len(run.submissions) and all(len(r) == len(rows[0]) for r in rows)
    body = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert body["alice"]["total"] == "6" and body["alice"]["max"] == "6" and body["alice"]["train.values"] == "1"
    bob = body["Bob Smith, Jr."]
    assert bob["total"] == "2.5" and bob["train.p-zero"] == "0.5" and bob["infer.identity"] == "0" and bob["status"] == "graded"
    assert body[HOSTILE]["total"] == "2.5", "commas, quotes and markup in names round-trip"
    assert body["carol"]["reason"] == "ImportError: No module named 'torch'" and body["carol"]["status"] == "import error"
    assert "'=HYPERLINK(1)" in body, "a formula-like name is defused for spreadsheets"


def test_csv_blank_cell_for_missing_clause(tmp_path: Path) -> None:
    nothing = SubmissionResult("dave", "/subs/dave", "no submission", "no .py file found", [])
    path = tmp_path / "g.csv"
    outputs.csv_gradebook(make_run(perfect(), nothing), path)
    rows = list(csv.reader(path.open(newline="", encoding="utf-8-sig")))
    assert rows[2] == ["dave", "0", "0", *[""] * len(IDS), "no submission", "no .py file found"]


# ---------------------------------------------------------------------------------------------- JSON


def test_json_reports_valid_unique_and_contained(tmp_path: Path, run: GradeRun) -> None:
    out = tmp_path / "json"
    paths = outputs.json_reports(run, out)
    assert len(paths) == len(run.submissions) == len(set(paths)) == len(list(out.iterdir()))
    for p in paths:
        assert p.parent == out and p.suffix == ".json" and not p.name.startswith(".")
        assert re.fullmatch(r"[a-z0-9._-]+", p.stem)
    assert [p.stem for p in paths[:2]] == ["alice", "bob-smith-jr"] and paths[-1].stem == "alice-2"
    records = [json.loads(p.read_text()) for p in paths]
    assert [r["name"] for r in records] == [s.name for s in run.submissions]
    bob = records[1]
    assert {"kit_version", "spec_version", "profile", "seed", "rubric_source", "status", "reason", "score", "max_score",
            "execution_time", "output", "clauses"} <= set(bob)
    assert bob["score"] == 2.5 and bob["max_score"] == 6 and bob["seed"] == 1234 and bob["rubric_source"] == "rubric.toml"
    assert bob["output"] == "\x1b[31mSTUDENT-STDOUT\x00\n"
    assert set(bob["clauses"][0]) == {"id", "title", "level", "points", "max_points", "status", "reason", "detail",
                                      "visibility", "cases_passed", "cases_total"}
    assert SECRET in bob["clauses"][3]["detail"], "instructor JSON keeps hidden details"


@pytest.mark.parametrize(
    "names, stems",
    [
        (["a b", "a/b", "A B", "a-b"], ["a-b", "a-b-2", "a-b-3", "a-b-4"]),
        (["x", "x-2", "x"], ["x", "x-2", "x-3"]),
        (["..", "/", "", "."], None),
        (["Zoë Ñúñez", "张三", "李四", "con", "nul.txt"], ["zoe-nunez", None, None, "_con", "_nul.txt"]),
        (["bad\udcffbytes"], ["badbytes"]),
    ],
)
def test_safe_names(names: list[str], stems: list[str | None] | None) -> None:
    got = outputs.safe_names(names)
    assert len(set(got)) == len(got) == len(names)
    for stem in got:
        assert re.fullmatch(r"[a-z0-9_][a-z0-9._-]*", stem) and ".." not in stem and "/" not in stem
    for g, want in zip(got, stems or got, strict=True):
        if want is not None:
            assert g == want


# ---------------------------------------------------------------------------------------------- JUnit


def gitlab_status(case: ET.Element) -> str:
    """A testcase's status as GitLab reads it (gitlabhq lib/gitlab/ci/parsers/test/junit.rb,
    ``create_test_case``): failure, else error, else skipped, else success, from the child elements alone."""
    for tag, status in (("failure", "failed"), ("error", "error"), ("skipped", "skipped")):
        if case.find(tag) is not None:
            return status
    return "success"


def test_junit_valid_for_jenkins_and_counts_what_gitlab_reads(tmp_path: Path, run: GradeRun) -> None:
    path = tmp_path / "junit.xml"
    outputs.junit(run, path)
    assert not jenkins_junit_problems(path), jenkins_junit_problems(path)
    root = ET.parse(path).getroot()
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [s.name for s in run.submissions]
    for suite in suites:  # every count equals the children that Jenkins and GitLab read
        statuses = Counter(gitlab_status(c) for c in suite.findall("testcase"))
        assert (suite.get("tests"), suite.get("failures"), suite.get("errors"), suite.get("skipped")) == (
            str(sum(statuses.values())), str(statuses["failed"]), str(statuses["error"]), str(statuses["skipped"]))
        assert all(float(c.get("time", "x")) >= 0 for c in suite.findall("testcase"))
    assert root.get("errors") == str(sum(int(s.get("errors", 0)) for s in suites))
    bob = suites[1]
    assert (bob.get("tests"), bob.get("failures"), bob.get("skipped"), bob.get("errors")) == ("6", "3", "1", "0")
    cases = bob.findall("testcase")
    assert [c.get("name") for c in cases] == IDS
    assert [c.get("classname") for c in cases][:3] == ["Bob Smith, Jr_.init", "Bob Smith, Jr_.infer", "Bob Smith, Jr_.train"]
    assert cases[0].get("time") == "0.250", "the clause's own time"
    failure = cases[1].find("failure")
    assert failure is not None and failure.get("message") == "got: inference changed the values"
    assert "got x*2" in (failure.text or "")
    skipped = cases[5].find("skipped")
    assert skipped is not None and "blocked by init.valid-p" in (skipped.get("message") or "")
    assert "STUDENT-STDOUT" in (bob.findtext("system-out") or ""), "control characters replaced, text kept"
    assert suites[3].get("name") == HOSTILE and suites[0].findall("testcase/failure") == []


def test_the_jenkins_schema_check_rejects_what_jenkins_would(tmp_path: Path) -> None:
    """The check can fail: a testcase without its required name, a suite without tests, a stray element."""
    bad = tmp_path / "bad.xml"
    bad.write_text('<testsuites><testsuite><testcase classname="a"/><bogus/></testsuite></testsuites>')
    assert len(jenkins_junit_problems(bad)) >= 2


@pytest.mark.parametrize("status", ["import error", "missing class", "crashed", "timed out", "refused", "no submission"])
def test_junit_a_submission_that_could_not_run_is_red(tmp_path: Path, status: str) -> None:
    """Jenkins and GitLab show a report of only <skipped> as green: a clause that could not run is an <error>."""
    sub = broken()
    sub.status = status  # type: ignore[assignment]
    path = tmp_path / "junit.xml"
    outputs.junit(make_run(sub), path)
    assert not jenkins_junit_problems(path)
    suite = ET.parse(path).getroot().find("testsuite")
    assert suite is not None and (suite.get("errors"), suite.get("failures"), suite.get("skipped")) == ("6", "0", "0")
    errors = suite.findall("testcase/error")
    assert len(errors) == 6 and {e.get("type") for e in errors} == {status}
    assert {e.get("message") for e in errors} == {"not run: the submission did not import"}


# ---------------------------------------------------------------------------------------------- Feedback


def test_feedback_per_student_without_hidden_values(tmp_path: Path, run: GradeRun) -> None:
    out = tmp_path / "feedback"
    paths = outputs.feedback(run, out)
    assert [p.stem for p in paths] == [p.stem for p in outputs.json_reports(run, tmp_path / "json")]
    assert all(p.exists() and p.suffix == ".md" for p in paths)
    bob = paths[1].read_text()
    assert "**Score: 2.5 / 6**" in bob and "seed 1234" in bob
    assert SECRET not in bob, "neither hidden nor unreleased after_due_date details reach students"
    assert clause("infer.identity").text in bob and "got x*2" in bob and "reproduce" in bob
    unbiased = bob.split(f"## {clause('train.unbiased').title}")[1].split("\n## ")[0]
    assert "failed" in unbiased and md(student_sentence(Status.FAILED)) in unbiased
    assert "kept fraction" not in unbiased and clause("train.unbiased").text not in unbiased, "hidden: a fixed sentence"
    assert "STUDENT-STDOUT" not in bob, "captured output is not in student feedback"
    assert "did not import" in paths[2].read_text() and "torch" in paths[2].read_text()
    hostile_md = re.sub(r"(`{3,})text\n.*?\n\1", "", paths[3].read_text(), flags=re.S)  # code blocks render markup as text
    assert "<script>" not in hostile_md and "\\<script\\>" in hostile_md
    released = outputs.feedback_markdown(run, run.submissions[1], released=True)
    assert f"after-due detail {SECRET}" in released and f"p={SECRET}" not in released


# ---------------------------------------------------------------------------------------------- HTML


def test_html_self_contained_and_escaped(tmp_path: Path, run: GradeRun) -> None:
    path = tmp_path / "class.html"
    outputs.html(run, path)
    page = path.read_text()
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<script" not in page.lower(), "no scripts at all, student markup escaped"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;script&gt;alert(2)&lt;/script&gt;" in page
    assert "<b>bold</b>" not in page and html_escaped(HOSTILE) in page
    for external in ('src="http', "href=\"http", "http://", "https://", "<link", "@import", "url("):
        assert external not in page
    for cid in IDS:
        assert f'id="clause-{cid}"' in page and f'href="#clause-{cid}"' in page
        assert html_escaped(clause(cid).text) in page
    assert "<svg" in page and "score distribution" in page
    matrix = page.split("<h2>Submissions by clause</h2>")[1].split("</table>")[0]
    assert matrix.count("<tr>") == 1 + len(run.submissions)
    assert 'class="partial"' in matrix and 'class="blocked"' in matrix and 'class="not-run"' in matrix
    hardest = page.split("<h2>Clauses students fail most</h2>")[1].split("</table>")[0]
    order = re.findall(r'href="#clause-([^"]+)"', hardest)
    assert sorted(order) == sorted(IDS) and set(order[:3]) == {"infer.identity", "train.unbiased", "train.p-zero"}


def html_escaped(text: str) -> str:
    import html

    return html.escape(text, quote=True)


def test_html_empty_run(tmp_path: Path) -> None:
    outputs.html(make_run(), tmp_path / "empty.html")
    outputs.csv_gradebook(make_run(), tmp_path / "empty.csv")
    outputs.junit(make_run(), tmp_path / "empty.xml")
    assert "<svg" in (tmp_path / "empty.html").read_text()
    assert ET.parse(tmp_path / "empty.xml").getroot().findall("testsuite") == []


# ---------------------------------------------------------------------------------------------- isolation


@pytest.mark.parametrize("level", ["namespaces", "weak"])
def test_every_output_but_the_csv_records_the_isolation(tmp_path: Path, level: str) -> None:
    """The level is in results.json's ``extra_data`` (Gradescope stores it), the JSON reports, and
    every text the instructor or a student reads; at weak every one of them says WEAK. The CSV is
    a gradebook import (one row per student, fixed columns), so it carries no run-level line."""
    from dropout_conformance.sandbox.isolation import Isolation

    run = make_run(perfect())
    run.isolation = Isolation(level, landlock=7).record()
    for output in outputs.OUTPUTS:
        target = tmp_path / level / output.option
        output.write(run, str(target), False)
    gradescope = json.loads((tmp_path / level / "gradescope").read_text())
    assert gradescope["extra_data"]["isolation"]["level"] == level
    report = json.loads(next((tmp_path / level / "json").glob("*.json")).read_text())
    assert report["isolation"]["level"] == level
    word = "WEAK isolation" if level == "weak" else "isolation namespaces"
    texts = {"results.json output": gradescope["output"], "junit": (tmp_path / level / "junit").read_text(),
             "html": (tmp_path / level / "html").read_text(),
             "feedback": next((tmp_path / level / "feedback").glob("*")).read_text()}
    for name, text in texts.items():
        assert word in text, f"{name} does not say {word!r}"
