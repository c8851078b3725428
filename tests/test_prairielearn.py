"""PrairieLearn: the results.json writer against PrairieLearn's own rules, and the example question
folder (docs/examples/prairielearn) run for real in a temporary ``/grade`` tree.

The rules are PrairieLearn's, read in PrairieLearn/PrairieLearn at commit 88fb8556a7a1 (2026-08-21):

- docs/externalGrading.md, "Grading results" (lines 140-200): ``score`` a number in [0, 1] when
  gradable; ``gradable: false`` needs no score and may carry ``format_errors`` (a string or a list
  of strings); the file should be at most 1 MB; tests have ``name``, ``points``, ``max_points``,
  ``message``, ``output``, and points are shown only if *every* test has both ``points`` and ``max_points``;
  ``/grade/results`` must be created by the grader (line 114);
- apps/grader-host/src/index.ts, lines 610-650: results.json is read only if the entrypoint exited 0,
  must parse as JSON, and over 1024 * 1024 bytes is a failed job;
- apps/prairielearn/src/lib/externalGraderCommon.ts, lines 181-200: ``score`` null or a number (not NaN);
  ``format_errors`` a string or an array;
- apps/prairielearn/src/lib/externalGrader.ts, lines 161-201: ``results.succeeded`` false forces score 0;
  a gradable result without a score, or with a non-finite score or one outside [0, 1], is turned
  into "not gradable" with an error message;
- apps/prairielearn/elements/pl-external-grader-results/pl-external-grader-results.py, lines 37-43
  and 100-160: ``message`` and ``output`` (top level and per test) go through ansi2html, which escapes
  HTML but acts on terminal escape codes; ``name`` is a mustache ``{{name}}`` (HTML-escaped);
- apps/prairielearn/src/schemas/schemas/infoQuestion.json: a question's info.json (required keys,
  ``gradingMethod``, ``externalGradingOptions`` with ``image`` required and no other keys than listed);
- apps/prairielearn/src/lib/externalGraderCommon.ts, lines 37-110: the ``/grade`` tree (student,
  tests, serverFilesCourse, data/data.json) a grading job gets.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from dropout_conformance.grader import outputs
from dropout_conformance.grader.model import SubmissionResult
from dropout_conformance.grader.outputs.prairielearn import OUTPUT_BUDGET, results
from dropout_conformance.results import Status, student_sentence
from tests.test_grader_outputs import SECRET, broken, hostile, make_run, partial, perfect, score

ROOT = Path(__file__).parents[1]
EXAMPLE = ROOT / "docs" / "examples" / "prairielearn"
CORPUS = ROOT / "tests" / "corpus"
MAX_BYTES = 1024 * 1024  # apps/grader-host/src/index.ts line 625

TEXT = {"type": "string"}
NUMBER = {"type": "number", "minimum": 0}
RESULTS_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "gradable": {"type": "boolean"},
        "score": {"type": "number"},
        "succeeded": {"const": True},  # externalGrader.ts line 163: false would force the score to 0
        "message": TEXT,
        "output": TEXT,
        "format_errors": {"anyOf": [TEXT, {"type": "array", "items": TEXT}]},
        "tests": {
            "type": "array",
            "items": {
                "type": "object",
                # every test has both, or PrairieLearn drops the points display for all of them
                "required": ["name", "points", "max_points"],
                "properties": {"name": TEXT, "description": TEXT, "points": NUMBER, "max_points": NUMBER,
                               "message": TEXT, "output": TEXT},
            },
        },
    },
    "if": {"required": ["gradable"], "properties": {"gradable": {"const": False}}},
    "then": {"required": ["gradable"]},
    "else": {"required": ["score"], "properties": {"score": {"minimum": 0, "maximum": 1}}},
}

INFO_SCHEMA: dict[str, Any] = {  # the parts of infoQuestion.json an externally graded question uses
    "type": "object",
    "required": ["uuid", "type", "title", "topic", "gradingMethod", "externalGradingOptions"],
    "properties": {
        "uuid": {"type": "string", "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"},
        "type": {"const": "v3"},
        "title": TEXT,
        "topic": TEXT,
        "tags": {"type": "array", "items": TEXT},
        "singleVariant": {"type": "boolean"},
        "gradingMethod": {"const": "External"},
        "externalGradingOptions": {
            "type": "object",
            "required": ["image"],
            "additionalProperties": False,
            "properties": {
                "image": TEXT,
                "entrypoint": {"anyOf": [TEXT, {"type": "array", "items": TEXT}]},
                "serverFilesCourse": {"type": "array", "items": TEXT},
                "timeout": {"type": "integer", "minimum": 1, "maximum": 600},  # docs: "cannot exceed 600 seconds"
                "enableNetworking": {"type": "boolean"},
                "environment": {"type": "object", "additionalProperties": TEXT},
            },
        },
    },
}


def _no_constant(name: str) -> None:
    raise AssertionError(f"results.json holds {name}, which is not JSON")


def check_results(path: Path) -> dict[str, Any]:
    """results.json as PrairieLearn's grader host and results processing read it."""
    raw = path.read_bytes()
    assert len(raw) <= MAX_BYTES, f"results.json is {len(raw)} bytes; PrairieLearn rejects more than 1 MB"
    data = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    jsonschema.validate(data, RESULTS_SCHEMA)
    if data.get("gradable", True):
        assert math.isfinite(data["score"])
        tests = data.get("tests", [])
        assert all(t["points"] <= t["max_points"] for t in tests)
        total = sum(t["max_points"] for t in tests)
        if total:
            assert data["score"] == pytest.approx(sum(t["points"] for t in tests) / total)
    return data


# ---------------------------------------------------------------------------------------------- the writer


@pytest.mark.parametrize("sub", [perfect(), partial(), broken(), hostile()], ids=["perfect", "partial", "broken", "hostile"])
def test_results_follow_prairielearns_rules(tmp_path: Path, sub: SubmissionResult) -> None:
    path = tmp_path / "results" / "results.json"
    outputs.prairielearn(make_run(sub), path)
    data = check_results(path)
    assert data["gradable"] is True and data["score"] == pytest.approx(sub.score / sub.max_score)
    assert [t["name"].split()[0] for t in data["tests"]] == [c.clause for c in sub.clauses]
    assert "seed 1234" in data["message"] and "spec 1.0" in data["message"]
    assert list(tmp_path.glob("results/.*")) == [], "no temporary file left behind"


def test_students_read_no_hidden_detail_and_no_captured_output(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    outputs.prairielearn(make_run(partial()), path)
    tests = {t["name"].split()[0]: t for t in check_results(path)["tests"]}
    assert tests["init.invalid-p"] == {"name": tests["init.invalid-p"]["name"], "points": 1.0, "max_points": 1.0,
                                       "message": "passed", "output": ""}
    assert "got x*2" in tests["infer.identity"]["output"], "a visible clause shows its full detail"
    assert tests["train.unbiased"]["message"] == student_sentence(Status.FAILED) and tests["train.unbiased"]["output"] == ""
    # PrairieLearn has no release dates: an after_* clause is the kit's sentence until --release
    assert tests["train.p-zero"]["message"] == student_sentence(Status.FAILED, released_later=True)
    assert tests["train.p-zero"]["points"] == 0.5
    assert "blocked" in tests["back.mask-reuse"]["message"]
    text = path.read_text()
    assert SECRET not in text and "STUDENT-STDOUT" not in text


def test_release_shows_after_clauses_only(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    outputs.OUTPUTS[[o.option for o in outputs.OUTPUTS].index("prairielearn")].write(make_run(partial()), path, True)
    text = path.read_text()
    assert f"after-due detail {SECRET}" in text, "released: the after_due_date clause's detail is shown"
    assert f"p={SECRET}" not in text, "the hidden clause stays hidden"


def test_control_characters_are_shown_not_acted_on(tmp_path: Path) -> None:
    """ansi2html (pl-external-grader-results.py line 37) acts on terminal codes, including OSC 8 links."""
    sub = hostile()
    link = "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\"
    sub.clauses[1] = score("infer.identity", "failed", 0.0, f"{link} \x1b[31mred\r <script>x</script>")
    sub.status, sub.reason = "crashed", "importing dropout.py raised \x1b[2J\x00"
    path = tmp_path / "results.json"
    outputs.prairielearn(make_run(sub), path)
    data = check_results(path)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", "".join(
        [data["message"], *(t["message"] + t["output"] for t in data["tests"])])), "no control character reaches PrairieLearn"
    assert "\\x1b]8;;https://evil.example" in data["tests"][1]["message"] and "\\x1b[2J\\x00" in data["message"]
    # HTML is PrairieLearn's to escape (mustache and ansi2html both do): the text stays as written
    assert "<script>x</script>" in data["tests"][1]["message"]


def test_import_error_is_a_graded_zero_with_its_reason(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    outputs.prairielearn(make_run(broken()), path)
    data = check_results(path)
    assert data["gradable"] is True and data["score"] == 0
    assert "import error: ImportError: No module named 'torch'" in data["message"]
    assert all(t["message"] == "not run: the submission did not import" for t in data["tests"])


def test_nothing_to_grade_is_not_gradable_and_says_what_to_upload(tmp_path: Path) -> None:
    sub = SubmissionResult("student", "/grade/student", "no submission", "no dropout.py (or single .py file) in the submission",
                           [score(c.clause, "not run", cause="no dropout.py") for c in perfect().clauses])
    path = tmp_path / "results.json"
    outputs.prairielearn(make_run(sub), path)
    data = check_results(path)
    assert data["gradable"] is False and "score" not in data
    assert data["format_errors"] == ["no dropout.py (or single .py file) in the submission: upload one Python file (dropout.py) "
                                     "that defines your DropoutLayer class, then submit again"]


def test_one_submission_per_job(tmp_path: Path) -> None:
    for subs in ((perfect(), partial()), ()):
        with pytest.raises(ValueError, match=f"one submission per grading job.*has {len(subs)}"):
            outputs.prairielearn(make_run(*subs), tmp_path / "r.json")
    assert not (tmp_path / "r.json").exists()


def test_huge_failures_stay_under_the_one_megabyte_limit(tmp_path: Path) -> None:
    """Every clause failing with long, quote-heavy details (JSON doubles them) still fits in 1 MB."""
    sub = partial()
    sub.clauses = [score(c.clause, "failed", 0.0, '"\\' * 5000, "\n".join(['"\\"' * 30] * 4000)) for c in sub.clauses]
    path = tmp_path / "results.json"
    outputs.prairielearn(make_run(sub), path)
    data = check_results(path)
    shown = [t["output"] for t in data["tests"] if t["output"]]
    assert len(shown) == 4, "the hidden clause and the unreleased after_due_date one have none"
    assert all(len(o.encode()) <= OUTPUT_BUDGET // 4 and o.endswith("more bytes of details not shown]") for o in shown)


def test_zero_point_rubric_scores_by_status() -> None:
    sub = perfect()
    for c in sub.clauses:
        c.points = c.max_points = 0.0
    assert results(make_run(sub))["score"] == 1.0
    sub.clauses[0] = score("init.invalid-p", "failed", 0.0)
    sub.clauses[0].max_points = 0.0
    assert results(make_run(sub))["score"] == 0.0


def test_the_cli_refuses_more_than_one_submission(tmp_path: Path) -> None:
    for name in ("a", "b"):
        shutil.copy(CORPUS / "correct" / "binomial_mask.py", tmp_path / f"{name}.py")
    out = subprocess.run([sys.executable, "-m", "dropout_conformance", "grade", str(tmp_path), "--prairielearn",
                          str(tmp_path / "r.json")], capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and out.stderr.count("\n") == 1, out.stderr
    assert "--prairielearn: one submission per run, found 2" in out.stderr and not (tmp_path / "r.json").exists()


# ---------------------------------------------------------------------------------------------- the example


def test_example_question_folder_is_what_prairielearn_reads() -> None:
    info = json.loads((EXAMPLE / "info.json").read_text())
    jsonschema.validate(info, INFO_SCHEMA)
    entry = info["externalGradingOptions"]["entrypoint"]
    assert entry == "/grade/tests/grade.sh" and (EXAMPLE / "tests" / "grade.sh").is_file()
    html = (EXAMPLE / "question.html").read_text()
    assert re.search(r'<pl-file-upload file-patterns="\*\.py"></pl-file-upload>', html)
    assert "<pl-external-grader-results></pl-external-grader-results>" in html
    docker = (EXAMPLE / "Dockerfile").read_text()
    assert re.search(r"^FROM prairielearn/grader-python$", docker, re.M)
    assert re.search(r"^RUN uv pip install --python /venv/bin/python /tmp/dropout_conformance-\*\.whl", docker, re.M)
    from dropout_conformance.grader.rubric import load_rubric

    rubric = load_rubric(str(EXAMPLE / "tests" / "rubric.toml"))
    assert {line.visibility for line in rubric.lines} <= {"visible", "hidden"}, "PrairieLearn has no release dates"


def grade_tree(tmp_path: Path, upload: Path | None, name: str = "dropout.py", **env: str) -> tuple[dict[str, Any], str]:
    """The example run as PrairieLearn runs it: the /grade tree a job gets, then the entrypoint."""
    grade = tmp_path / "grade"
    for sub in ("serverFilesCourse", "student", "data"):
        (grade / sub).mkdir(parents=True)
    shutil.copytree(EXAMPLE / "tests", grade / "tests")
    if upload is not None:
        shutil.copy(upload, grade / "student" / name)
    (grade / "data" / "data.json").write_text(json.dumps({"params": {}, "submitted_answers": {"_files": [{"name": name}]}}))
    os.chmod(grade / "tests" / "grade.sh", 0o755)  # the grader host does this for an entrypoint under /grade
    run_env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "GRADE_ROOT": str(grade), "PYTHON": sys.executable, **env}
    out = subprocess.run([str(grade / "tests" / "grade.sh")], env=run_env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, f"the grader host reads results.json only after exit 0: {out.stderr}"
    return check_results(grade / "results" / "results.json"), out.stderr


@pytest.mark.parametrize(
    ("upload", "name", "score"),
    [
        (CORPUS / "correct" / "binomial_mask.py", "dropout.py", 1.0),
        (CORPUS / "buggy" / "backward_ignores_mask.py", "dropout.py", 0.7),  # back.mask-reuse fails, blocking instance-isolation
        (CORPUS / "correct" / "binomial_mask.py", "Dropout (1).py", 1.0),  # misnamed: the only .py is graded
    ],
    ids=["correct", "buggy", "misnamed"],
)
def test_example_grades_an_upload(tmp_path: Path, upload: Path, name: str, score: float) -> None:
    data, _ = grade_tree(tmp_path, upload, name)
    assert data["gradable"] is True and data["score"] == pytest.approx(score)
    tests = {t["name"].split()[0]: t for t in data["tests"]}
    if score < 1:
        assert tests["back.mask-reuse"]["points"] == 0 and "backward" in tests["back.mask-reuse"]["message"]
        assert tests["back.instance-isolation"]["message"].startswith("blocked")
        assert tests["back.instance-isolation"]["output"] == "", "a hidden clause shows no detail"
        assert sum(t["points"] < t["max_points"] for t in data["tests"]) == 2


def test_example_import_error_is_a_graded_zero(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import torch\n")
    data, _ = grade_tree(tmp_path, bad)
    assert data["gradable"] is True and data["score"] == 0 and "import error" in data["message"]


def test_example_grader_failure_is_not_gradable(tmp_path: Path) -> None:
    data, _ = grade_tree(tmp_path, CORPUS / "correct" / "binomial_mask.py", PYTHON=str(tmp_path / "no-such-python"))
    assert data == {"gradable": False, "message": "The grader could not run (exit status 127). This submission was not "
                                                  "counted; please tell your instructor."}
