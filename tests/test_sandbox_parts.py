"""The sandbox's parts one by one: the channel's deadlines, intake, the choice of a level, the pool,
a sandbox that never started, and Ctrl-C. The whole under attack is tests/test_sandbox.py."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from dropout_conformance.grader.grade import Submission, _pooled, grade_submission
from dropout_conformance.grader.rubric import Rubric, RubricLine
from dropout_conformance.sandbox import probe
from dropout_conformance.sandbox.channel import Channel, ChannelClosed, ChannelTimeout, Output
from dropout_conformance.sandbox.confine import CGROUP_TOP, CGROUPS, remove_cgroup_group
from dropout_conformance.sandbox.intake import IntakeLimits, Refused, take_in
from dropout_conformance.sandbox.isolation import choose
from dropout_conformance.sandbox.parent import Limits, SandboxedFactory
from tests.corpus.loading import HERE
from tests.hostile_batch import REAPER

NP_WHERE = HERE / "correct" / "np_where.py"


def _channel() -> tuple[Channel, socket.socket, socket.socket]:
    ours, theirs = socket.socketpair()
    out_ours, out_theirs = socket.socketpair()
    return Channel(ours, out_ours, Output(1024)), theirs, out_theirs


def test_half_a_frame_times_out_at_the_deadline() -> None:
    channel, theirs, _ = _channel()
    theirs.sendall((1000).to_bytes(8, "little") + b"x" * 10)
    start = time.monotonic()
    with pytest.raises(ChannelTimeout):
        channel.recv(10_000, time.monotonic() + 0.5)
    assert 0.45 <= time.monotonic() - start < 2


def test_a_peer_that_stops_reading_times_out_the_send() -> None:
    channel, theirs, _ = _channel()
    theirs.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1)
    start = time.monotonic()
    with pytest.raises(ChannelTimeout):
        channel.send(b"x" * (8 * 2**20), time.monotonic() + 0.5)
    assert time.monotonic() - start < 2


def test_a_peer_that_goes_mid_frame_is_closed_not_hung() -> None:
    channel, theirs, _ = _channel()
    theirs.sendall((100).to_bytes(8, "little") + b"x")
    theirs.close()
    with pytest.raises(ChannelClosed):
        channel.recv(1000, time.monotonic() + 5)


def test_output_is_drained_while_waiting_and_capped_with_a_note() -> None:
    channel, theirs, out = _channel()
    out.sendall(b"a" * 5000)
    theirs.sendall((2).to_bytes(8, "little") + b"ok")
    assert channel.recv(100, time.monotonic() + 5) == b"ok"
    out.close()
    channel.drain()
    assert channel.output.text() == "a" * 1024 + "\n[output truncated after 1 KB: 3,976 more bytes dropped]\n"


def _folder(tmp_path: Path) -> Path:
    sub = tmp_path / "alice"
    sub.mkdir()
    shutil.copy(NP_WHERE, sub / "dropout.py")
    (sub / "helpers").mkdir()
    (sub / "helpers" / "util.py").write_text("X = 1\n")
    (sub / "__pycache__").mkdir()
    (sub / "__pycache__" / "junk.pyc").write_bytes(b"\0" * 10)
    return sub


def test_intake_copies_regular_files_and_skips_caches(tmp_path: Path) -> None:
    sub = _folder(tmp_path)
    take_in(sub, tmp_path / "copy", "dropout.py")
    copied = sorted(str(p.relative_to(tmp_path / "copy")) for p in (tmp_path / "copy").rglob("*"))
    assert copied == ["dropout.py", "helpers", "helpers/util.py"]


@pytest.mark.parametrize(
    "make, reason",
    [
        (lambda s: (s / "link.py").symlink_to(s / "dropout.py"), "link.py is a symbolic link"),
        (lambda s: os.mkfifo(s / "pipe"), "pipe is a FIFO"),
        (lambda s: (s / "helpers" / "up").symlink_to(".."), "helpers/up is a symbolic link"),
        (lambda s: open(s / "big.bin", "wb").truncate(2**30), "big.bin is larger than 16 MB"),
        (lambda s: [(s / f"f{i}.txt").write_text("") for i in range(1001)], "more than 1000 files"),
    ],
    ids=["link", "fifo", "loop", "sparse", "many"],
)
def test_intake_refuses_with_a_plain_reason(tmp_path: Path, make, reason: str) -> None:  # type: ignore[no-untyped-def]
    sub = _folder(tmp_path)
    make(sub)
    with pytest.raises(Refused, match=reason):
        take_in(sub, tmp_path / "copy", "dropout.py")


def test_intake_refuses_a_linked_single_file_and_caps_the_total(tmp_path: Path) -> None:
    (tmp_path / "bob.py").symlink_to(NP_WHERE)
    with pytest.raises(Refused, match="bob.py is a symbolic link"):
        take_in(tmp_path / "bob.py", tmp_path / "copy", "bob.py")
    sub = _folder(tmp_path)
    for i in range(3):
        (sub / f"data{i}.bin").write_bytes(b"\0" * 2**20)
    with pytest.raises(Refused, match="add up to more than 2 MB"):
        take_in(sub, tmp_path / "copy2", "dropout.py", IntakeLimits(total=2 * 2**20))


@pytest.mark.parametrize(
    "found, wanted, level",
    [
        ({"root": True, "namespaces": True, "uid": True, "landlock": 7}, "auto", "namespaces"),
        ({"root": True, "namespaces": "EPERM", "uid": True, "landlock": 7}, "auto", "uid"),
        ({"root": False, "namespaces": True, "landlock": 0}, "auto", "namespaces"),
        ({"root": False, "namespaces": "EPERM", "landlock": 6}, "auto", "weak"),
        ({"root": True, "namespaces": True, "uid": True, "landlock": 7}, "weak", "weak"),
    ],
)
def test_the_strongest_level_the_probe_found_is_chosen(found: dict, wanted: str, level: str) -> None:
    chosen = choose(found, wanted)
    assert chosen.level == level
    assert chosen.strong == (level != "weak")
    assert chosen.user_namespace == (level == "namespaces" and not found["root"])


def test_a_level_the_machine_refuses_is_an_error() -> None:
    with pytest.raises(ValueError, match="--isolation uid is not available here"):
        choose({"root": False, "namespaces": True, "landlock": 0}, "uid")


def test_this_machine_probes_to_a_strong_level() -> None:
    """Root with namespaces here (the facts of this machine); the probe saw what the level promises."""
    best = probe.best()
    if os.geteuid() != 0:
        pytest.skip("the tests do not run as root")
    assert best.level == "namespaces" and best.strong, best.describe()


def test_stop_and_close_never_raise_on_a_sandbox_that_never_started(tmp_path: Path) -> None:
    factory = SandboxedFactory(NP_WHERE, "np_where.py", "DropoutLayer", Limits(isolation=probe.best()))
    factory.stop()
    factory.close()
    factory.stop()
    assert not factory.tmp.exists()


def grade_or_die(marker: Path, args: tuple) -> object:  # type: ignore[type-arg]
    """The pool's work function, except that grading b_killer kills the pool worker."""
    marker.touch()
    if args[0].name == "b_killer":
        os.kill(os.getpid(), signal.SIGKILL)
    return grade_submission(*args)


def test_a_pool_whose_worker_dies_grades_the_rest(tmp_path: Path) -> None:
    """A submission that kills its pool worker (possible only at level weak) is scored as lost,
    alone; every other one is graded."""
    subs = []
    for name in ("a_ok", "b_killer", "c_ok", "d_ok"):
        shutil.copy(NP_WHERE, tmp_path / f"{name}.py")
        subs.append(Submission(name, tmp_path / f"{name}.py", f"{name}.py"))
    rubric = Rubric((RubricLine("init.invalid-p", 1.0),))
    limits = Limits(call_timeout=5, submission_timeout=30, isolation=probe.best(), temp_root=str(tmp_path))
    work = [(s, rubric, 1, limits, "DropoutLayer") for s in subs]
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    results = {r.name: r for r in _pooled(work, 2, scratch, grade_or_die)}
    assert sorted(results) == ["a_ok", "b_killer", "c_ok", "d_ok"]
    assert (results["b_killer"].status, results["b_killer"].score) == ("crashed", 0.0)
    assert "worker process died" in results["b_killer"].reason
    assert all(results[n].score == 1.0 and results[n].status == "graded" for n in ("a_ok", "c_ok", "d_ok"))
    if limits.isolation.cgroup:  # the killed worker's sandbox left its cgroups; the run's end removes them
        remove_cgroup_group(tmp_path.name)
        left = list(Path(CGROUPS).glob(f"*/{CGROUP_TOP}/{tmp_path.name}"))
        assert left == [], f"cgroups left behind: {left}"


def test_ctrl_c_ends_every_sandbox_leaves_no_temp_folder_and_exits_130(tmp_path: Path) -> None:
    subs = tmp_path / "class"
    subs.mkdir()
    for i in range(4):
        (subs / f"s{i}.py").write_text("import time\ntime.sleep(60)\nDropoutLayer = object\n")
    scratch = Path(tempfile.mkdtemp(prefix="dropout-ctrl-c-"))
    verdict = tmp_path / "reaper.json"
    cmd = [sys.executable, "-c", REAPER, str(verdict), sys.executable, "-m", "dropout_conformance", "grade", str(subs),
           "--jobs", "2", "--timeout", "50", "--submission-timeout", "55"]
    proc = subprocess.Popen(cmd, env={**os.environ, "TMPDIR": str(scratch)}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        time.sleep(6)  # probed, pool started, two sandboxes sleeping in their import
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C sends: the whole foreground group
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    try:
        reaped = json.loads(verdict.read_text())
        assert reaped["returncode"] == 130, err
        assert "interrupted" in err and "Traceback" not in err, err
        assert reaped["leaked"] == [], "processes outlived the grader (caught by the reaper, killed)"
        assert os.listdir(scratch) == [], f"left behind: {os.listdir(scratch)}"
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def test_the_sandbox_sees_no_installed_package_but_numpy(tmp_path: Path) -> None:
    """At level namespaces the base Python's site-packages (inside the standard library's folder,
    which the sandbox reads) is an empty folder: only the standard library and numpy import."""
    if probe.best().level != "namespaces":
        pytest.skip("the private root is level namespaces'")
    source = tmp_path / "looks.py"
    source.write_text(
        "import os, numpy\n"
        "site = os.path.join(os.path.dirname(os.__file__), 'site-packages')\n"
        "print('site-packages:', len(os.listdir(site)) if os.path.isdir(site) else 'absent', flush=True)\n"
        "DropoutLayer = object\n"
    )
    factory = SandboxedFactory(source, source.name, "DropoutLayer", Limits(isolation=probe.best()))
    try:
        factory.start()
    finally:
        factory.close()
    assert "site-packages: 0" in factory.output or "site-packages: absent" in factory.output, factory.output
