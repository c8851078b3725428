"""The grader's command line and the Gradescope flow (the hostile batch is tests/test_sandbox.py)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from dropout_conformance.grader import cli
from dropout_conformance.grader.grade import Submission, grade_submission
from dropout_conformance.grader.rubric import Rubric, RubricLine, load_rubric
from dropout_conformance.sandbox.parent import Limits
from tests.corpus.loading import HERE

SEED = 20240229
MARKER = "HOSTILE-PLANTED-RESULTS"  # what writes_output_paths.py plants
GRADESCOPE_SCRIPT = HERE.parent.parent / "docs" / "examples" / "gradescope" / "run_autograder"
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")


def _public_folder(prefix: str) -> Path:
    """A fresh folder other uids can traverse (pytest's tmp_path is 0700)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    folder.chmod(0o755)
    return folder


def _grade_cli(*args: str, cwd: Path, tmpdir: Path, timeout: float) -> tuple[subprocess.CompletedProcess[str], float]:
    """``python -m dropout_conformance grade ...`` in its own session; killed, with its group, past ``timeout``."""
    cmd = [sys.executable, "-m", "dropout_conformance", "grade", *args]
    start = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=cwd, env={**os.environ, "TMPDIR": str(tmpdir)}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"the grader hung: still running after {timeout:.0f} s\n{err[-3000:]}")
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err), time.monotonic() - start


def test_a_patched_array_equal_cannot_hide_an_input_mutation() -> None:
    """monkeypatch_numpy.py writes to its input with np.array_equal rigged to say "unchanged"."""
    rubric = Rubric((RubricLine("no-mutation", 1.0),))
    limits = Limits(call_timeout=5, submission_timeout=60)
    for path, points in ((HERE / "hostile" / "monkeypatch_numpy.py", 0.0), (HERE / "correct" / "np_where.py", 1.0)):
        result = grade_submission(Submission(path.stem, path, path.name), rubric, SEED, limits)
        assert (result.status, result.score) == ("graded", points), f"{path.name}: {result.clauses}"
        assert 0 < result.clauses[0].seconds <= result.execution_time, "each clause's own time, for JUnit"


# ---------------------------------------------------------------------------------------------- command line


def _cli_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    try:
        code = cli.main(["grade", *argv])
    except SystemExit as exc:
        code = exc.code  # type: ignore[assignment]
    captured = capsys.readouterr()
    assert code == 2, f"exit status {code}: {captured.err}"
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("dropout-conformance"), f"not a one-line error: {captured.err!r}"
    return lines[0]


@pytest.mark.parametrize(
    "case",
    ["missing-path", "bad-memory", "bad-toml", "unknown-clause", "gradescope-several", "unwritable-output", "bad-timeout",
     "weak-refused"],
)
def test_cli_usage_errors_are_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str) -> None:
    one = tmp_path / "alice.py"
    shutil.copy(HERE / "correct" / "np_where.py", one)
    two = tmp_path / "class"
    two.mkdir()
    for stem in ("np_where", "binomial_mask"):
        shutil.copy(HERE / "correct" / f"{stem}.py", two / f"{stem}.py")
    (tmp_path / "bad.toml").write_text('[clauses."init.invalid-p"\npoints = 1\n')
    (tmp_path / "unknown.toml").write_text('[clauses."no.such-clause"]\npoints = 1\n')
    (tmp_path / "a-file").write_text("")
    argv, fragment = {
        "missing-path": ([str(tmp_path / "nope")], "nope"),
        "bad-memory": ([str(one), "--memory", "lots"], "lots"),
        "bad-toml": ([str(one), "--rubric", str(tmp_path / "bad.toml")], "TOML"),
        "unknown-clause": ([str(one), "--rubric", str(tmp_path / "unknown.toml")], "no.such-clause"),
        "gradescope-several": ([str(two), "--gradescope", str(tmp_path / "results.json")], "--gradescope"),
        "unwritable-output": ([str(one), "--csv", str(tmp_path / "a-file" / "grades.csv")], "--csv"),
        "bad-timeout": ([str(one), "--timeout", "0"], "0"),
        "weak-refused": ([str(one), "--isolation", "weak"], "--allow-weak-isolation"),
    }[case]
    assert fragment in _cli_error(capsys, *argv)
    assert not (tmp_path / "results.json").exists()


def test_seed_makes_reports_byte_identical_and_progress_is_line_by_line(tmp_path: Path) -> None:
    """Two runs with one --seed, one grading in-process and one in two workers: the same bytes."""
    subs = tmp_path / "class"
    subs.mkdir()
    shutil.copy(HERE / "correct" / "np_where.py", subs / "np_where.py")
    shutil.copy(HERE / "buggy" / "normal_draws_thresholded.py", subs / "normal_draws_thresholded.py")
    shutil.copy(HERE / "hostile" / "prints_fake_results.py", subs / "prints_fake_results.py")
    reports = []
    for run, jobs in (("first", "1"), ("second", "2")):
        out = tmp_path / run
        args = ("--seed", "99", "--jobs", jobs, "--csv", str(out / "grades.csv"), "--json", str(out / "json"))
        done, _ = _grade_cli(str(subs), *args, cwd=tmp_path, tmpdir=Path(tempfile.gettempdir()), timeout=240)
        assert done.returncode == 0, done.stderr
        files = {"grades.csv": (out / "grades.csv").read_bytes()}
        for path in sorted((out / "json").glob("*.json")):
            text = path.read_text()
            assert re.search(r'"execution_time": [0-9.e-]+,\n', text), "execution_time is the only field removed"
            files[path.name] = re.sub(r'  "execution_time": [0-9.e-]+,\n', "", text).encode()
        reports.append(files)
        if run == "first":
            assert "\r" not in done.stderr, "no carriage-return progress bar when stderr is not a terminal"
            progress = [line for line in done.stderr.splitlines() if re.match(r"\d+/\d+ ", line)]
            assert [line.split(" ")[0] for line in progress] == ["1/3", "2/3", "3/3"], done.stderr
            line_format = r"\d+/3 \S+: [0-9.]+/6 (graded|timed out|crashed|import error)"
            assert all(re.fullmatch(line_format, line) for line in progress), progress
    assert len(reports[0]) == 4
    assert reports[0] == reports[1], "same --seed, different reports"


# ---------------------------------------------------------------------------------------------- Gradescope


def _autograder(submission: Path) -> tuple[dict[str, Any], str, list[str]]:
    """Run docs/examples/gradescope/run_autograder against a fake /autograder (AUTOGRADER_ROOT); its results.json."""
    root = _public_folder("dropout-autograder-")
    try:
        for name in ("submission", "results", "source", "tmp"):
            (root / name).mkdir()
            (root / name).chmod(0o755)
        shutil.copy(submission, root / "submission" / "dropout.py")
        shutil.copy(GRADESCOPE_SCRIPT.parent / "rubric.toml", root / "source" / "rubric.toml")
        env = {**os.environ, "AUTOGRADER_ROOT": str(root), "PYTHON": sys.executable, "TMPDIR": str(root / "tmp")}
        done = subprocess.run(["bash", str(GRADESCOPE_SCRIPT)], cwd=root, env=env, capture_output=True, text=True, timeout=300)
        text = (root / "results" / "results.json").read_text()
        return json.loads(text), text + done.stdout + done.stderr, sorted(os.listdir(root / "results"))
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _check_results(results: dict[str, Any], rubric_clauses: list[str]) -> None:
    """Gradescope's results.json: a numeric score, one test per rubric clause, each passed or failed."""
    assert isinstance(results["score"], (int, float)) and not isinstance(results["score"], bool)
    assert isinstance(results["output"], str) and isinstance(results["tests"], list)
    assert [t["tags"][0] for t in results["tests"]] == rubric_clauses
    for t in results["tests"]:
        assert isinstance(t["name"], str) and isinstance(t["output"], str) and t["visibility"] in VISIBILITIES, t
        assert t["status"] in ("passed", "failed") and 0 <= t["score"] <= t["max_score"], t
        assert t["max_score"] == 0 or (t["status"] == "passed") == (t["score"] == t["max_score"]), t
    assert results["score"] == sum(t["score"] for t in results["tests"])


@pytest.mark.skipif(not GRADESCOPE_SCRIPT.exists(), reason="docs/examples/gradescope/run_autograder is not written yet")
def test_gradescope_run_autograder() -> None:
    """A correct submission gets every point; one planting results.json everywhere still gets the grader's file."""
    rubric = load_rubric(str(GRADESCOPE_SCRIPT.parent / "rubric.toml"))
    results, text, files = _autograder(HERE / "correct" / "np_where.py")
    _check_results(results, rubric.clauses)
    assert results["score"] == rubric.max_score, text
    assert files == ["results.json"]

    results, text, files = _autograder(HERE / "hostile" / "writes_output_paths.py")
    _check_results(results, rubric.clauses)
    assert MARKER not in text and results["score"] < rubric.max_score, text
    assert files == ["results.json"]


# ---------------------------------------------------------------------------------------------- CLI hygiene
def test_an_attr_no_submission_defines_is_an_error_naming_what_they_define(tmp_path: Path) -> None:
    """--attr Nope used to give everyone 0; now it stops before grading and lists the classes found."""
    subs = tmp_path / "class"
    subs.mkdir()
    for name in ("np_where", "divide_by_keep"):
        shutil.copy(HERE / "correct" / f"{name}.py", subs / f"{name}.py")
    (subs / "symlinked.py").symlink_to("/dev/zero")  # never read: opened without following links
    done, _ = _grade_cli(str(subs), "--attr", "Nope", cwd=tmp_path, tmpdir=Path(tempfile.gettempdir()), timeout=60)
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert "--attr Nope: no submission defines Nope" in line and "DropoutLayer (2)" in line


def test_a_name_with_control_characters_prints_escaped(tmp_path: Path) -> None:
    """A student's file name must not write escape sequences or forged lines to the instructor's console."""
    subs = tmp_path / "class"
    subs.mkdir()
    evil = "evil\x1b[2J\rbob: 6 of 6 graded"
    shutil.copy(HERE / "correct" / "np_where.py", subs / f"{evil}.py")
    shutil.copy(HERE / "correct" / "np_where.py", subs / "alice.py")
    done, _ = _grade_cli(str(subs), "--seed", "5", cwd=tmp_path, tmpdir=Path(tempfile.gettempdir()), timeout=240)
    assert done.returncode == 0, done.stderr
    for text in (done.stdout, done.stderr):
        assert "\x1b" not in text and "\r" not in text
    assert "evil\\x1b[2J\\rbob: 6 of 6 graded: 6/6 graded" in done.stdout
