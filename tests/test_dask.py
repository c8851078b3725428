"""``grade --dask``: a class graded on a Dask cluster (a LocalCluster of 2 worker processes) writes
what a local run with the same seed writes, each submission in the kit's sandbox on a worker; Ctrl-C
ends every sandbox there; a cluster that cannot grade is refused in one line before any work.

The cluster tests need ``distributed`` (the dask extra): ``tox -e dask`` runs them, and sets
DROPOUT_TEST_DASK=1 so that a missing install fails instead of skipping. The refusal rules are
tested everywhere.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dropout_conformance import SPEC_VERSION, __version__
from dropout_conformance.grader import cli, cluster
from dropout_conformance.grader.cluster import preflight_problem, run_isolation
from dropout_conformance.sandbox.isolation import UID_BASE, Isolation
from tests.test_shards import OUTPUTS, SEED, _class, _run, _tree


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """A LocalCluster of 2 worker processes, 1 thread each (a worker grades one submission at a time)."""
    if importlib.util.find_spec("distributed") is None:
        if os.environ.get("DROPOUT_TEST_DASK"):
            pytest.fail("DROPOUT_TEST_DASK is set but distributed is not installed: pip install '.[dask]'")
        pytest.skip("distributed is not installed (tox -e dask runs these)")
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as local:
        yield local.scheduler_address


def test_a_class_graded_on_the_cluster_writes_the_local_runs_outputs(scheduler: str, tmp_path: Path) -> None:
    subs = _class(tmp_path)
    rubric = ("--rubric", str(tmp_path / "rubric.toml"), "--seed", SEED)
    for where, extra in (("local", ()), ("dask", ("--dask", scheduler))):
        (tmp_path / where).mkdir()
        err = _run(str(subs), *rubric, *OUTPUTS, *extra, cwd=tmp_path / where)
    assert f"on the Dask cluster at {scheduler} (2 worker(s))" in err, err
    local, remote = _tree(tmp_path / "local"), _tree(tmp_path / "dask")
    assert sorted(remote) == sorted(local) and len(local) == 13, sorted(remote)
    for name, text in local.items():
        assert remote[name] == text, f"{name} differs between the Dask run and the local run"
    report = json.loads((tmp_path / "dask" / "json" / "alice.json").read_text())
    assert report["isolation"]["level"] in ("namespaces", "uid"), report["isolation"]  # the worker's probe, strong
    assert report["status"] == "graded" and report["score"] == report["max_score"]


def test_shards_graded_on_the_cluster_merge_into_the_local_runs_outputs(scheduler: str, tmp_path: Path) -> None:
    subs = _class(tmp_path)
    rubric = ("--rubric", str(tmp_path / "rubric.toml"), "--seed", SEED)
    (tmp_path / "local").mkdir()
    _run(str(subs), *rubric, "--csv", "grades.csv", cwd=tmp_path / "local")
    for k in (1, 2):
        _run(str(subs), *rubric, "--shard", f"{k}/2", "--shard-dir", str(tmp_path / f"s{k}"), "--dask", scheduler, "-q",
             cwd=tmp_path)
    done = subprocess.run([sys.executable, "-m", "dropout_conformance", "merge", "s1", "s2", "--csv", "merged.csv"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "merged.csv").read_text() == (tmp_path / "local" / "grades.csv").read_text()


def _sandboxes() -> set[int]:
    """This machine's sandbox processes: as root each runs as a uid of its own, at or above UID_BASE."""
    import psutil

    found = set()
    for proc in psutil.process_iter(["uids", "status"]):
        uids = proc.info["uids"]
        if uids is not None and uids.real >= UID_BASE and proc.info["status"] != psutil.STATUS_ZOMBIE:
            found.add(proc.pid)
    return found


def test_ctrl_c_ends_every_sandbox_on_the_workers(scheduler: str, tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("sandboxes are told apart by their own uids, which they get when the grader is root")
    subs = tmp_path / "class"
    subs.mkdir()
    for name in ("slow1", "slow2", "slow3"):  # three for two workers: one is still queued at Ctrl-C
        (subs / f"{name}.py").write_text("import time\ntime.sleep(600)\nclass DropoutLayer: pass\n")
    cmd = [sys.executable, "-m", "dropout_conformance", "grade", str(subs), "--seed", "1", "--dask", scheduler,
           "--timeout", "500", "--submission-timeout", "550", "--csv", str(tmp_path / "grades.csv")]
    assert not _sandboxes(), "another run's sandboxes are alive"
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline, running = time.monotonic() + 120, set[int]()
        while time.monotonic() < deadline and len(running) < 2:  # both workers' sandboxes import a slow submission
            running = _sandboxes()
            time.sleep(0.5)
        assert len(running) >= 2, f"the workers never started grading: {running}"
        time.sleep(2)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=cluster.STOP_WAIT + 30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted; every sandbox was ended and no output was written" in err, err
    assert not (tmp_path / "grades.csv").exists()
    assert not _sandboxes(), f"still running after Ctrl-C: {_sandboxes()} (were {running})"
    time.sleep(3)
    assert not _sandboxes(), "a queued submission started grading after Ctrl-C"


def test_an_address_with_no_scheduler_is_one_line(scheduler: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "alice.py").write_text("class DropoutLayer: pass\n")
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", 2.0)
    for address, message in (("tcp://127.0.0.1:9", "no Dask scheduler answered there"),
                             ("nonsense", "missing port number")):
        assert cli.main(["grade", str(tmp_path), "--dask", address, "-q"]) == 2
        lines = capsys.readouterr().err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("dropout-conformance grade: error: --dask ") and message in lines[0], lines


def test_without_dask_installed_the_option_says_what_to_install(tmp_path: Path) -> None:
    (tmp_path / "alice.py").write_text("class DropoutLayer: pass\n")
    code = ("import sys; sys.modules['distributed'] = None; from dropout_conformance.grader import cli; "
            f"sys.exit(cli.main(['grade', {str(tmp_path)!r}, '--dask', 'tcp://127.0.0.1:8786', '-q']))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == ("dropout-conformance grade: error: --dask needs Dask on this machine and on every "
                                   "worker: pip install 'dropout-conformance[dask]'")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--jobs", "2"], "--jobs sizes the local pool"),
        (["--submission-file", "dropout.py"], "single-submission mode grades one upload here"),
    ],
)
def test_dask_options_misused_get_one_line(argv: list[str], message: str, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "dropout.py").write_text("class DropoutLayer: pass\n")
    assert cli.main(["grade", str(tmp_path), "--dask", "tcp://127.0.0.1:8786", *argv]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and message in lines[0], lines


STRONG = Isolation("namespaces", landlock=7, cgroup=True).record()
GOOD = {"kit": __version__, "spec": SPEC_VERSION, "isolation": STRONG, "missing": []}


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({}, "the scheduler has no workers"),
        ({"tcp://a:1": GOOD, "tcp://b:1": {**GOOD, "kit": "0.0.1"}},
         f"worker tcp://b:1 has dropout-conformance 0.0.1 (spec {SPEC_VERSION}), this grader {__version__}"),
        ({"tcp://a:1": {**GOOD, "spec": "0.9"}}, "(spec 0.9)"),
        ({"tcp://a:1": ModuleNotFoundError("No module named 'dropout_conformance'")},
         "worker tcp://a:1 could not run the kit (ModuleNotFoundError"),
        ({"tcp://a:1": {**GOOD, "problem": "the sandbox cannot get an identity of its own"}},
         "worker tcp://a:1: the sandbox cannot get an identity of its own"),
        ({"tcp://a:1": {**GOOD, "isolation": Isolation("uid", landlock=3, cgroup=True).record()}},
         "worker tcp://a:1: its sandboxes could open TCP connections (uid"),
        ({"tcp://a:1": {**GOOD, "isolation": Isolation("weak", landlock=7).record()}}, "could open TCP connections (WEAK"),
        ({"tcp://a:1": {**GOOD, "missing": ["/home/me/class/alice.py"]}},
         "worker tcp://a:1 cannot see /home/me/class/alice.py; workers read each submission at the path"),
    ],
)
def test_a_cluster_that_cannot_grade_is_refused_naming_the_worker(answers: dict[str, Any], message: str) -> None:
    problem = preflight_problem(answers)
    assert problem is not None and message in problem and "\n" not in problem, problem


def test_every_worker_fit_to_grade_passes_the_preflight() -> None:
    uid_landlock = {**GOOD, "isolation": Isolation("uid", landlock=4, cgroup=True).record()}
    assert preflight_problem({"tcp://a:1": GOOD, "tcp://b:1": uid_landlock}) is None


def test_mixed_isolation_is_reported_as_its_weakest_and_kept_per_submission() -> None:
    uid = Isolation("uid", landlock=7, cgroup=True, reason="namespaces refused").record()
    no_landlock = Isolation("namespaces", landlock=0, cgroup=True).record()
    assert run_isolation([STRONG, STRONG]) == (STRONG, False)
    assert run_isolation([]) == ({}, False)
    record, mixed = run_isolation([STRONG, uid, no_landlock, STRONG])
    assert mixed and record["level"] == "uid" and record["mixed"] == 3
    assert record["description"].startswith("mixed across workers (3 kinds), the weakest: uid")
    record, _ = run_isolation([STRONG, no_landlock])
    assert record["landlock"] == 0 and record["level"] == "namespaces"
