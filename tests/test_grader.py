"""The grader under attack, its command line, and the Gradescope flow.

One batch grades every member of tests/corpus/hostile together with correct and buggy neighbours,
through the real command line in a subprocess with small limits; the tests read a snapshot of what
came out (reports, timings, files planted, processes left behind). The batch runs once per session,
also under xdist. Defences that exist only once the sandbox drops root for 'nobody' are skipped,
with the reason, where it cannot (e.g. root, with Python under a 0700 /root).
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import io
import json
import math
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
from dropout_conformance.grader.outputs import slug
from dropout_conformance.grader.rubric import Rubric, RubricLine, load_rubric
from dropout_conformance.sandbox import child
from dropout_conformance.sandbox.parent import OUTPUT_CAP, Limits
from dropout_conformance.spec import CLAUSES, in_profile
from tests.corpus.loading import HERE, HOSTILE, expectation, load, report_problem

CALL_TIMEOUT, SUBMISSION_TIMEOUT, JOBS, SEED = 5, 10, 2, 20240229
OVERRUN = 5
"""Seconds a submission may run past its limit: killing, reaping and cleaning up its sandbox."""
CORE = [c.id for c in CLAUSES if in_profile(c, "core")]
CAN_DROP = child.privileges_can_be_dropped()
NO_DROP = (
    "the sandbox cannot drop root for 'nobody' here (not root, or Python is unreadable to 'nobody'), and this "
    "defence is that drop: as root a submission can write anywhere and RLIMIT_NPROC does not bind"
)
REPORT_CAP = 512 * 1024  # bytes of one submission's JSON report: output, reasons and details, all capped
MARKER = "HOSTILE-PLANTED-RESULTS"  # what writes_output_paths.py and lingering_grandchild.py plant
CORRECT_NEIGHBOURS = ["np_where", "binomial_mask", "slots_class"]
BUGGY_NEIGHBOURS = [  # one per clause of the default rubric but train.values, whose failures are slow to shrink
    "accepts_negative_p", "still_drops_in_eval", "normal_draws_thresholded", "randint_endpoint_drops_at_p_zero",
    "backward_ignores_mask",
]
GRADESCOPE_SCRIPT = HERE.parent.parent / "docs" / "examples" / "gradescope" / "run_autograder"
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")


def _batch_members() -> list[Path]:
    return [m for m in HOSTILE if CAN_DROP or m.name != "fork_bomb.py"]


def _name(member: Path) -> str:
    return member.stem if member.suffix == ".py" else member.name


def _public_folder(prefix: str) -> Path:
    """A fresh folder 'nobody' can traverse (pytest's tmp_path is 0700), for a sandbox that drops root."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    folder.chmod(0o755)
    return folder


def _tree(folder: Path) -> dict[str, str]:
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def _processes_in(folder: Path) -> list[tuple[int, str]]:
    """Live processes whose working folder is inside ``folder`` (a sandbox's, even once deleted)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cwd = os.readlink(entry / "cwd")
            except OSError:  # gone, a zombie, or not ours to read
                continue
            if cwd.startswith(str(folder) + os.sep):
                found.append((int(entry.name), cwd))
    return found


def _planted(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("results.json") if MARKER in p.read_text(errors="replace"))


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


# ---------------------------------------------------------------------------------------------- the batch


def _run_batch() -> dict[str, Any]:
    members = _batch_members()
    root = _public_folder("dropout-hostile-")
    try:
        batch, scratch, out, cwd = (root / name for name in ("batch", "scratch", "out", "cwd"))
        for folder in (batch, scratch, out, cwd):
            folder.mkdir()
            folder.chmod(0o755)
        for m in members:
            if m.is_dir():
                shutil.copytree(m, batch / m.name, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy(m, batch / m.name)
        for stem in CORRECT_NEIGHBOURS:
            shutil.copy(HERE / "correct" / f"{stem}.py", batch / f"correct_{stem}.py")
        for stem in BUGGY_NEIGHBOURS:
            shutil.copy(HERE / "buggy" / f"{stem}.py", batch / f"buggy_{stem}.py")
        names = sorted(p.stem if p.is_file() else p.name for p in batch.iterdir())
        bound = 20 + math.ceil(len(names) / JOBS) * (SUBMISSION_TIMEOUT + OVERRUN)
        sources = _tree(batch)
        done, elapsed = _grade_cli(
            str(batch), "--seed", str(SEED), "--timeout", str(CALL_TIMEOUT), "--submission-timeout", str(SUBMISSION_TIMEOUT),
            "--jobs", str(JOBS), "--csv", str(out / "grades.csv"), "--json", str(out / "json"),
            cwd=cwd, tmpdir=scratch, timeout=bound + 30,
        )
        leaked = _processes_in(scratch)
        for pid, _ in leaked:  # started by this batch: end them, then report them
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        reports = sorted((out / "json").glob("*")) if (out / "json").is_dir() else []
        records = {}
        for path in reports:
            record = json.loads(path.read_text())
            records[record["name"]] = record
        return {
            "names": names,
            "returncode": done.returncode,
            "stderr": done.stderr[-5000:],
            "elapsed": elapsed,
            "bound": bound,
            "records": records,
            "json_files": [p.name for p in reports],
            "out_files": sorted(str(p.relative_to(out)) for p in out.rglob("*")),
            "csv": (out / "grades.csv").read_text() if (out / "grades.csv").exists() else "",
            "sources_before": sources,
            "sources_after": _tree(batch),
            "planted": _planted(root),
            "leaked": [f"pid {pid} in {where}" for pid, where in leaked],
        }
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The snapshot of one graded batch, shared by every xdist worker through a lock and a file."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent
    snapshot = shared / "hostile-batch.json"
    with open(shared / "hostile-batch.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not snapshot.exists():
            snapshot.write_text(json.dumps(_run_batch()))
    return json.loads(snapshot.read_text())


def _clauses(record: dict[str, Any]) -> str:
    return ", ".join(f"{c['id']} {c['points']:g} ({c['status']}: {c['reason'][:80]})" for c in record["clauses"])


def test_batch_finished_within_its_limits(batch: dict[str, Any]) -> None:
    assert batch["returncode"] == 0, f"the grader failed on the batch:\n{batch['stderr']}"
    assert batch["elapsed"] <= batch["bound"], (
        f"{len(batch['names'])} submissions, {JOBS} at a time, {SUBMISSION_TIMEOUT} s each, took {batch['elapsed']:.0f} s"
    )
    assert sorted(batch["records"]) == batch["names"], "every submission has exactly one report"
    times = {n: round(r["execution_time"], 1) for n, r in batch["records"].items()}
    slow = {n: t for n, t in times.items() if t > SUBMISSION_TIMEOUT + OVERRUN}
    assert not slow, f"ran past --submission-timeout {SUBMISSION_TIMEOUT}: {slow}"


FORK_BOMB_SKIP = pytest.mark.skipif(
    not CAN_DROP,
    reason=f"fork bomb not run: {NO_DROP}; killing its process group at the import limit would come too late, "
    "after it had filled the machine's process table",
)
MEMBER_PARAMS = [pytest.param(m, id=_name(m), marks=[FORK_BOMB_SKIP] if m.name == "fork_bomb.py" else []) for m in HOSTILE]


@pytest.mark.parametrize("member", MEMBER_PARAMS)
def test_hostile_member(batch: dict[str, Any], member: Path) -> None:
    """Its status, no more than its honest points (exactly those when graded), a plain reason, its limits."""
    status, most = expectation(member)
    name = _name(member)
    record = batch["records"][name]
    summary = f"{name}: {record['score']:g}/{record['max_score']:g} {record['status']} ({record['reason']}); {_clauses(record)}"
    assert record["max_score"] == len(CORE), summary
    problem = report_problem("hostile", member, record)
    assert problem is None, f"{problem}; {summary}"
    if status != "graded":
        assert record["reason"].strip(), f"no reason given for status {status!r}"
    reasons = [c["reason"] for c in record["clauses"] if c["status"] != "passed"]
    if status != "graded":
        reasons.append(record["reason"])
    for text in reasons:
        assert text.strip() and "\n" not in text and "Traceback" not in text and len(text) <= 500, f"not a plain reason: {text!r}"
    assert record["execution_time"] <= SUBMISSION_TIMEOUT + OVERRUN, summary
    assert len(record["output"].encode()) <= OUTPUT_CAP + 4 * 1024, "captured output is capped"
    assert len(json.dumps(record)) <= REPORT_CAP, "the submission bloated its own report (what it sends must be capped)"


def test_a_forged_exchange_length_is_refused_before_anything_is_read(batch: dict[str, Any]) -> None:
    record = batch["records"]["forges_exchange_replies"]
    reason = {c["id"]: c["reason"] for c in record["clauses"]}["infer.identity"]
    assert "sent garbage (bad exchange length" in reason and "1099511627776" not in reason, reason


def test_neighbours_are_graded_as_if_alone(batch: dict[str, Any]) -> None:
    """Correct members in the hostile batch get full marks; buggy ones lose exactly their bug's clauses."""
    for kind, stems in (("correct", CORRECT_NEIGHBOURS), ("buggy", BUGGY_NEIGHBOURS)):
        for stem in stems:
            record = batch["records"][f"{kind}_{stem}"]
            problem = report_problem(kind, HERE / kind / f"{stem}.py", record)
            assert problem is None, f"{stem}: {problem}; {_clauses(record)}"
    for stem in BUGGY_NEIGHBOURS:  # each neighbour's clause is in the default rubric: it must be caught, not skipped
        module, _ = load(HERE / "buggy" / f"{stem}.py")
        assert module.CAUGHT_BY in CORE


def test_reports_are_the_graders_own(batch: dict[str, Any]) -> None:
    """Whatever was planted or printed, the CSV and JSON reports are the grader's, written after the children died."""
    expected = sorted(f"{slug(n)}.json" for n in batch["names"])
    assert batch["json_files"] == expected, "no file in the JSON folder but the grader's own reports"
    rows = list(csv.DictReader(io.StringIO(batch["csv"])))
    assert [r["name"] for r in rows] == batch["names"]
    for row in rows:
        record = batch["records"][row["name"]]
        assert float(row["total"]) == record["score"] and row["status"] == record["status"], row
    assert MARKER not in batch["csv"] and not any(MARKER in json.dumps(r) for r in batch["records"].values())
    fake = batch["records"]["prints_fake_results"]
    assert '"score": 6.0' in fake["output"], "the fake results.json was captured as output, and only that"


def test_no_submission_process_outlives_the_batch(batch: dict[str, Any]) -> None:
    assert batch["leaked"] == [], "processes from the sandbox still running after grading (killed now)"


def test_submission_sources_are_untouched(batch: dict[str, Any]) -> None:
    """deletes_own_files.py deleted only its sandbox's copies: every source is still there, unchanged."""
    before, after = batch["sources_before"], batch["sources_after"]
    changed = sorted(path for path, digest in before.items() if after.get(path) != digest)
    assert not changed, f"submission sources deleted or changed by a submission: {changed}"


@pytest.mark.skipif(not CAN_DROP, reason=f"filesystem isolation not tested: {NO_DROP}")
def test_nothing_outside_the_sandbox_changed(batch: dict[str, Any]) -> None:
    assert batch["planted"] == [], "files planted outside the sandbox"
    assert batch["sources_after"] == batch["sources_before"], "files added to or removed from the submissions"
    assert batch["out_files"] == sorted(["grades.csv", "json", *(f"json/{f}" for f in batch["json_files"])])


def test_a_patched_array_equal_cannot_hide_an_input_mutation() -> None:
    """monkeypatch_numpy.py writes to its input with np.array_equal rigged to say "unchanged"."""
    rubric = Rubric((RubricLine("no-mutation", 1.0),))
    limits = Limits(call_timeout=5, submission_timeout=60)
    for path, points in ((HERE / "hostile" / "monkeypatch_numpy.py", 0.0), (HERE / "correct" / "np_where.py", 1.0)):
        result = grade_submission(Submission(path.stem, path, path.name), rubric, SEED, limits)
        assert (result.status, result.score) == ("graded", points), f"{path.name}: {result.clauses}"


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
    ["missing-path", "bad-memory", "bad-toml", "unknown-clause", "gradescope-several", "unwritable-output", "bad-timeout"],
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
