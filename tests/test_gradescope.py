"""Gradescope end to end: the autograder zip, the kit's wheel, single-submission mode, results.json.

Every results.json is checked against RESULTS_SCHEMA, written from Gradescope's "Autograder
Specifications", section "Output format" (https://gradescope-autograders.readthedocs.io/en/latest/specs/;
its source is docs/specs.md of github.com/gradescope/autograder_samples, read at commit af5dee4c).
Visibility follows the same page's "Controlling Test Case Visibility": hidden tests never reach
students, after_* tests reach them at their time, and "if test cases are hidden, students will not
be able to see their total score" -- everything else at the top level is shown.
"""

from __future__ import annotations

import base64
import copy
import csv
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from dropout_conformance.grader import outputs
from dropout_conformance.grader.autograder.wheel import build_wheel
from dropout_conformance.grader.outputs.common import md
from dropout_conformance.grader.outputs.gradescope import results_json
from dropout_conformance.grader.rubric import RubricError, load_rubric
from dropout_conformance.grader.upload import find_submission_file, missing_message
from dropout_conformance.results import Status, student_sentence
from tests.corpus.loading import HERE
from tests.test_grader_outputs import IDS, SECRET, broken, hostile, make_run, partial, perfect, score

ROOT = HERE.parent.parent
EXAMPLE = ROOT / "docs" / "examples" / "gradescope"
PACKAGED = ROOT / "conformance" / "grader" / "autograder"
VISIBILITY = ["hidden", "after_due_date", "after_published", "visible"]
FORMAT = ["text", "html", "simple_format", "md", "ansi"]

TEST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "score": {"type": "number"}, "max_score": {"type": "number"}, "status": {"enum": ["passed", "failed"]},
        "name": {"type": "string"}, "name_format": {"enum": FORMAT}, "number": {"type": "string"},
        "output": {"type": "string"}, "output_format": {"enum": FORMAT},
        "tags": {"type": "array", "items": {"type": "string"}}, "visibility": {"enum": VISIBILITY},
        "extra_data": {"type": "object"},
    },
}
RESULTS_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "score": {"type": "number"}, "execution_time": {"type": "number", "minimum": 0}, "output": {"type": "string"},
        "output_format": {"enum": FORMAT}, "test_output_format": {"enum": FORMAT}, "test_name_format": {"enum": FORMAT},
        "visibility": {"enum": VISIBILITY}, "stdout_visibility": {"enum": VISIBILITY}, "extra_data": {"type": "object"},
        "tests": {"type": "array", "items": TEST_SCHEMA},
        "leaderboard": {"type": "array", "items": {"type": "object", "required": ["name", "value"]}},
    },
    # "score": "optional, but required if not on each test case below"
    "anyOf": [{"required": ["score"]},
              {"required": ["tests"], "properties": {"tests": {"items": {"required": ["score"]}}}}],
}


def check_results(results: dict[str, Any]) -> None:
    """Gradescope's schema, then the kit's own promises: the tests add up to the score, numbers unique."""
    jsonschema.Draft202012Validator(RESULTS_SCHEMA).validate(results)
    tests = results["tests"]
    assert sum(t["score"] for t in tests) == results["score"]
    assert len({t["number"] for t in tests}) == len(tests)
    for t in tests:
        assert 0 <= t["score"] <= t["max_score"] and (t["status"] == "passed") == (t["score"] == t["max_score"]), t


def before_release(results: dict[str, Any]) -> dict[str, Any]:
    """What a student reads before the due date: the top level but the total score (withheld while a
    test is hidden) and extra_data (stored, not shown), and the visible tests."""
    seen = {k: v for k, v in results.items() if k not in ("score", "extra_data", "tests")}
    seen["tests"] = [t for t in results["tests"] if t["visibility"] == "visible"]
    return seen


def _with(sub: Any, i: int, status: str, visibility: str) -> Any:
    changed = copy.deepcopy(sub)
    old = changed.clauses[i]
    changed.clauses[i] = score(old.clause, status, evidence=f"detail {SECRET}")
    changed.clauses[i].visibility = visibility
    return changed


# ---------------------------------------------------------------------------------------------- results.json


@pytest.mark.parametrize("sub", [perfect(), partial(), broken(), hostile()], ids=["perfect", "partial", "broken", "hostile"])
def test_results_json_is_gradescopes_schema(tmp_path: Path, sub: Any) -> None:
    path = tmp_path / "results" / "results.json"
    outputs.gradescope(make_run(sub), path)
    results = json.loads(path.read_text())
    check_results(results)
    assert results["score"] == pytest.approx(sub.score) and [t["tags"][0] for t in results["tests"]] == IDS
    assert "seed 1234" in results["output"] and "spec 1.0" in results["output"]
    assert results["extra_data"] == {"seed": 1234, "kit_version": "0.1.0", "spec_version": "1.0", "profile": "core",
                                     "rubric_source": "rubric.toml", "isolation": {},
                                     "execution_time": round(sub.execution_time)}
    assert list(tmp_path.glob("results/.*")) == [], "no temporary file left behind"


def test_a_schema_violation_is_caught() -> None:
    """The schema is strict enough to fail: an unknown key, a wrong visibility."""
    results = results_json(make_run(perfect()))
    for bad in ({**results, "max_score": 6}, {**results, "tests": [{**results["tests"][0], "visibility": "secret"}]}):
        with pytest.raises(jsonschema.ValidationError):
            check_results(bad)


@pytest.mark.parametrize("i", range(len(IDS)))
@pytest.mark.parametrize("visibility", ["hidden", "after_due_date", "after_published"])
def test_nothing_a_student_reads_before_release_tells_a_withheld_result(i: int, visibility: str) -> None:
    """Two submissions that differ only in one withheld test's result read the same before release:
    the top-level output, status and execution time cannot tell them apart."""
    passed, failed = (results_json(make_run(_with(perfect(), i, status, visibility))) for status in ("passed", "failed"))
    assert passed["score"] != failed["score"], "the two submissions really differ"
    assert before_release(passed) == before_release(failed)
    assert "execution_time" not in passed and "Score:** not shown" in passed["output"]


def test_with_every_test_visible_the_top_level_shows_score_and_time() -> None:
    """The test above can fail: the same two submissions with the test visible do read differently."""
    subs = [_with(perfect(), 2, status, "visible") for status in ("passed", "failed")]
    for sub in subs:
        for c in sub.clauses:
            c.visibility = "visible"
    passed, failed = (results_json(make_run(sub)) for sub in subs)
    assert before_release(passed) != before_release(failed)
    assert "**Score: 6 / 6**" in passed["output"] and "**Score: 5 / 6**" in failed["output"]
    assert passed["execution_time"] == 2


def test_after_star_tests_carry_their_details_hidden_ones_a_fixed_sentence() -> None:
    """Gradescope withholds an after_* test until its time, so it carries everything; a hidden test never shows."""
    results = results_json(make_run(partial()))
    tests = {t["tags"][0]: t for t in results["tests"]}
    assert tests["train.p-zero"]["visibility"] == "after_due_date" and SECRET in tests["train.p-zero"]["output"]
    assert "dropped elements at p=0" in tests["train.p-zero"]["output"]
    assert tests["train.unbiased"]["visibility"] == "hidden"
    assert tests["train.unbiased"]["output"] == md(student_sentence(Status.FAILED))
    assert SECRET not in json.dumps([t for t in results["tests"] if t["visibility"] == "hidden"])
    # a visible failure: reason and details, its own backticks unable to close the code fence
    assert "got x*2" in tests["infer.identity"]["output"] and "````text" in tests["infer.identity"]["output"]
    assert "STUDENT-STDOUT" not in json.dumps(results), "captured student output never reaches Gradescope"


def test_an_import_error_is_stated_even_with_hidden_tests() -> None:
    """No check ran, so the status reveals nothing about a hidden test; every test says the same."""
    results = results_json(make_run(broken()))
    assert results["score"] == 0 and all(t["status"] == "failed" for t in results["tests"])
    assert "import error" in results["output"] and "torch" in results["output"]
    assert all("did not import" in t["output"] for t in results["tests"])


def test_one_submission_only(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="one submission per container.*has 2"):
        outputs.gradescope(make_run(perfect(), partial()), tmp_path / "two.json")
    with pytest.raises(ValueError, match="has 0"):
        outputs.gradescope(make_run(), tmp_path / "none.json")
    assert not (tmp_path / "two.json").exists()


# ---------------------------------------------------------------------------------------------- the upload


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.mark.parametrize(
    "files, found, message",
    [
        ({"dropout.py": "", "tests/test_dropout.py": "", "tests/dropout.py": ""}, "dropout.py", ""),
        ({"hw3/dropout.py": "", "hw3/tests/test_x.py": "", "__MACOSX/hw3/dropout.py": ""}, "hw3/dropout.py", ""),
        ({"Dropout.py": "", "test_dropout.py": ""}, None,
         "expected dropout.py; you submitted: Dropout.py, test_dropout.py; rename Dropout.py to dropout.py"),
        ({"Dropout.ipynb": "{}"}, None, "Dropout.ipynb is a notebook: put its code in dropout.py"),
        ({"a/dropout.py": "", "b/dropout.py": ""}, None, "2 files are named dropout.py (a/dropout.py, b/dropout.py)"),
        ({}, None, "expected dropout.py; you submitted: nothing"),
    ],
    ids=["extra-folders", "inside-a-folder", "misnamed", "notebook", "two-candidates", "empty"],
)
def test_finding_the_submission_file(tmp_path: Path, files: dict[str, str], found: str | None, message: str) -> None:
    result = find_submission_file(_tree(tmp_path, files), "dropout.py")
    assert result.path == (tmp_path / found if found else None)
    assert message in (missing_message("dropout.py", result) if found is None else ""), missing_message("dropout.py", result)


def test_the_listing_is_capped_and_printable(tmp_path: Path) -> None:
    _tree(tmp_path, {f"f{i:02}.py": "" for i in range(20)})
    (tmp_path / ("\x1b[31m" + "x" * 200)).mkdir()
    (tmp_path / "link.py").symlink_to("/dev/zero")  # never followed, never opened
    text = missing_message("dropout.py", find_submission_file(tmp_path, "dropout.py"))
    assert text.isprintable() and "and 14 more" in text and len(text) < 600, text


@pytest.mark.parametrize("table, error", [('file = "../x.py"', "plain .py file name"), ('file = "d.py"\nentry = 1', "entry"),
                                          ("file = 3", "plain .py file name")])
def test_the_submission_table_is_strict(tmp_path: Path, table: str, error: str) -> None:
    rubric = tmp_path / "r.toml"
    rubric.write_text(f'[clauses."init.invalid-p"]\npoints = 1\n\n[submission]\n{table}\n')
    with pytest.raises(RubricError, match=error):
        load_rubric(str(rubric))


# ---------------------------------------------------------------------------------------------- the wheel


def test_the_wheel_is_valid_and_installs_into_a_fresh_target(tmp_path: Path) -> None:
    """Every file is in RECORD with its sha256 and size (the binary distribution format); pip installs
    it (no index, no dependencies) into an empty --target, where both packages import and the console
    script and pytest11 entry points are declared."""
    wheel = build_wheel(tmp_path)
    assert build_wheel(tmp_path / "..").read_bytes() == wheel.read_bytes(), "the same install builds the same bytes"
    info = "dropout_conformance-0.1.0.dist-info"
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        record = {row[0]: row[1:] for row in csv.reader(io.StringIO(zf.read(f"{info}/RECORD").decode()))}
        for name in names - {f"{info}/RECORD"}:
            data = zf.read(name)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            assert record[name] == [f"sha256={digest}", str(len(data))], name
        assert set(record) == names
        assert "Root-Is-Purelib: true" in zf.read(f"{info}/WHEEL").decode()
        assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    target = tmp_path / "target"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--target", str(target), str(wheel)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    probe = ("import importlib.metadata as m, dropout_conformance, dropout_reference; "
             "print(dropout_conformance.__file__); print(sorted(e.name for e in m.entry_points(group='console_scripts') "
             "if e.value.startswith('dropout_conformance'))); print([e.value for e in m.entry_points(group='pytest11') "
             "if e.value.startswith('dropout_conformance')])")
    done = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(target)!r}); {probe}"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    where, scripts, plugins = done.stdout.splitlines()
    assert where.startswith(str(target)) and scripts == "['dropout-conformance']" and plugins == "['dropout_conformance.plugin']"
    assert (target / "bin" / "dropout-conformance").is_file()
    rebuild = ("from pathlib import Path; from dropout_conformance.grader.autograder.wheel import build_wheel; "
               f"print(build_wheel(Path({str(tmp_path / 'again')!r})))")
    (tmp_path / "again").mkdir()
    done = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(target)!r}); {rebuild}"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()).read_bytes() == wheel.read_bytes(), "a kit installed from the wheel rebuilds the same wheel"


# ---------------------------------------------------------------------------------------------- end to end


def test_the_example_scripts_are_the_ones_the_zip_holds() -> None:
    for name in ("setup.sh", "run_autograder"):
        assert (EXAMPLE / name).read_bytes() == (PACKAGED / name).read_bytes(), f"docs/examples/gradescope/{name} differs"


def _public_folder(prefix: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    folder.chmod(0o755)  # a sandbox under a uid of its own must traverse it
    return folder


@pytest.fixture(scope="module")
def autograder() -> Iterator[Path]:
    """The zip built by the command line, unpacked into a fake /autograder, set up by its setup.sh
    (apt skipped: this Python is the one it would install; pip reaches the index this machine has)."""
    root = _public_folder("dropout-gradescope-")
    try:
        zipped = root / "autograder.zip"
        done = subprocess.run([sys.executable, "-m", "dropout_conformance", "gradescope-zip", str(zipped),
                               "--rubric", str(EXAMPLE / "rubric.toml")], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        with zipfile.ZipFile(zipped) as zf:
            assert {"setup.sh", "run_autograder"} <= set(zf.namelist()), "Gradescope needs both at the zip's root"
            assert zf.getinfo("run_autograder").external_attr >> 16 & 0o111, "run_autograder must be executable"
            (root / "source").mkdir(mode=0o755)
            zf.extractall(root / "source")
        shutil.copy(root / "source" / "run_autograder", root / "run_autograder")  # as Gradescope's image build does
        (root / "run_autograder").chmod(0o755)
        bindir = os.path.dirname(sys.executable)  # has python3.X, the version the zip names
        env = {**os.environ, "AUTOGRADER_ROOT": str(root), "DROPOUT_SKIP_APT": "1", "PATH": f"{bindir}:{os.environ['PATH']}"}
        done = subprocess.run(["bash", "setup.sh"], cwd=root / "source", env=env, capture_output=True, text=True, timeout=540)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
        assert "dropout-conformance 0.1.0" in done.stdout
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _run(root: Path, upload: dict[str, Path | str]) -> tuple[dict[str, Any], str]:
    """One submission as Gradescope runs it: a fresh /autograder/submission, run_autograder, results.json."""
    for name in ("submission", "results"):
        shutil.rmtree(root / name, ignore_errors=True)
    (root / "submission").mkdir(mode=0o755)
    for name, content in upload.items():
        path = root / "submission" / name
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
        if isinstance(content, Path):
            shutil.copy(content, path)
        else:
            path.write_text(content)
    subprocess.run(["chmod", "-R", "a+rX", str(root / "submission")], check=True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHON"} | {"AUTOGRADER_ROOT": str(root)}
    done = subprocess.run([str(root / "run_autograder")], cwd=root, env=env, capture_output=True, text=True, timeout=400)
    assert done.returncode == 0, done.stderr
    assert sorted(os.listdir(root / "results")) == ["results.json"]
    text = (root / "results" / "results.json").read_text()
    results = json.loads(text)
    check_results(results)
    return results, text + done.stdout + done.stderr


def test_setup_installs_a_working_console_script_and_pytest_plugin(autograder: Path) -> None:
    """The wheel's entry points work where setup.sh installed it: the console script runs, and pytest
    loads the plugin through pytest11 (its options are in --help without -p)."""
    venv = autograder / "dropout-venv" / "bin"
    done = subprocess.run([str(venv / "dropout-conformance"), "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("dropout-conformance 0.1.0"), done.stderr
    done = subprocess.run([str(venv / "python"), "-m", "pytest", "--help"], cwd=autograder, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and "--dropout-impl" in done.stdout, done.stderr
    done = subprocess.run([str(venv / "python"), "-m", "pip", "check"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout


RUBRIC = load_rubric(str(EXAMPLE / "rubric.toml"))
CORRECT = HERE / "correct" / "np_where.py"


def _withheld(results: dict[str, Any]) -> None:
    """The example rubric has a hidden and an after_published test: the top level shows neither score nor time."""
    assert "execution_time" not in results and "Score:** not shown" in results["output"]
    assert str(int(results["score"])) + " /" not in results["output"]


def test_a_correct_upload_with_its_own_tests_folder(autograder: Path) -> None:
    results, text = _run(autograder, {"dropout.py": CORRECT, "tests/test_dropout.py": "import dropout\n",
                                      "conftest.py": "raise SystemExit('never run')\n"})
    assert results["score"] == RUBRIC.max_score, text
    assert [t["tags"][0] for t in results["tests"]] == RUBRIC.clauses
    assert results["extra_data"]["rubric_source"].endswith("rubric.toml") and results["extra_data"]["isolation"]["level"]
    _withheld(results)


def test_a_buggy_upload(autograder: Path) -> None:
    results, text = _run(autograder, {"dropout.py": HERE / "buggy" / "accepts_negative_p.py"})
    tests = {t["tags"][0]: t for t in results["tests"]}
    assert tests["init.invalid-p"]["status"] == "failed" and tests["init.invalid-p"]["visibility"] == "visible", text
    assert "ValueError" in tests["init.invalid-p"]["output"] and "```text" in tests["init.invalid-p"]["output"]
    assert results["score"] < RUBRIC.max_score
    _withheld(results)


def test_a_hostile_upload_cannot_write_the_results(autograder: Path) -> None:
    results, text = _run(autograder, {"dropout.py": HERE / "hostile" / "writes_output_paths.py"})
    assert "HOSTILE-PLANTED-RESULTS" not in text and results["score"] < RUBRIC.max_score


def test_an_upload_inside_a_folder_with_extras(autograder: Path) -> None:
    results, text = _run(autograder, {"hw3/dropout.py": CORRECT, "hw3/notes.ipynb": "{}", "__MACOSX/hw3/dropout.py": "x = (",
                                      "hw3/tests/test_dropout.py": "import dropout\n"})
    assert results["score"] == RUBRIC.max_score, text


@pytest.mark.parametrize("upload, hint", [
    ({"Dropout.py": CORRECT, "test_dropout.py": "import dropout\n"}, "rename Dropout.py to dropout.py"),
    ({"dropout.ipynb": "{}"}, "dropout.ipynb is a notebook"),
    ({"<i>x.py": CORRECT}, "\\<i\\>x.py"),
], ids=["misnamed", "notebook", "markup-in-a-name"])
def test_a_missing_file_is_a_zero_with_a_message_not_a_grader_failure(autograder: Path, upload: dict[str, Any],
                                                                       hint: str) -> None:
    results, text = _run(autograder, upload)
    assert results["score"] == 0 and "could not run" not in results["output"], text
    assert "**no submission**: expected dropout.py; you submitted:" in results["output"] and hint in results["output"]
    assert all(t["output"].startswith("not run: the expected file is not in the upload") for t in results["tests"])


# ---------------------------------------------------------------------------------------------- bad input


def _one_line_error(argv: list[str], tmp_path: Path) -> str:
    done = subprocess.run([sys.executable, "-m", "dropout_conformance", *argv], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1 and done.stdout == "", (done.returncode, done.stderr)
    return lines[0]


def test_bad_input_is_a_one_line_error(tmp_path: Path) -> None:
    rubric = tmp_path / "rubric.toml"
    rubric.write_text('[clauses."init.invalid-p"]\npoints = 1\n\n[submission]\nfile = "dropout.py"\n')
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    cases = {
        ("grade", "a", "b", "--rubric", str(rubric)): "takes one upload folder, got 2 paths",
        ("grade", "a", "--submission-file", "../x.py"): "plain .py file name",
        ("gradescope-zip", "ag.zip", "--rubric", str(rubric), "--submission-file", "layer.py"):
            "the rubric's [submission] file is 'dropout.py' but --submission-file is 'layer.py'",
        ("gradescope-zip", "ag.zip", "--rubric", "missing.toml"): "cannot read rubric missing.toml",
        ("gradescope-zip", str(tmp_path / "a"), "--rubric", str(rubric)): "is a folder",
    }
    for argv, expected in cases.items():
        assert expected in _one_line_error(list(argv), tmp_path), argv
    assert not (tmp_path / "ag.zip").exists()


@pytest.mark.parametrize("script", ["setup.sh", "run_autograder"])
def test_the_docs_example_is_the_script_the_zip_ships(script):
    """docs/examples/gradescope/ shows the very scripts gradescope-zip packs (the package's copy is the source)."""
    root = Path(__file__).resolve().parent.parent
    packaged = root / "conformance" / "grader" / "autograder" / script
    assert (root / "docs" / "examples" / "gradescope" / script).read_text() == packaged.read_text(), (
        f"docs/examples/gradescope/{script} drifted from {packaged.relative_to(root)}: copy it over")
