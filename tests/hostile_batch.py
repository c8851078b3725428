"""One graded batch of the hostile corpus with correct and buggy neighbours, at one isolation level.

The grader runs through its real command line, under a wrapper that is a child subreaper (so any
process that outlives the grader is caught and killed, whatever it forked or setsid()), with
secrets planted where a spy would look: a token in the grader's environment (GITHUB_TOKEN), in
its command line, in the instructor's ~/.ssh, and in a classmate's source. A listener on loopback
counts connections and datagrams. The snapshot says what came out and what leaked.

Levels: ``root`` (the grader as root, strongest level), ``user`` (the grader as an ordinary user,
nobody, so each sandbox gets its own user namespace), ``uid`` (root, --isolation uid) and
``weak`` (--isolation weak --allow-weak-isolation). ``user`` and ``uid`` need a Python an
ordinary user can read: here Python lives under a 0700 /root, so the wrapper runs in a mount
namespace of its own where /root is a tmpfs holding just the Python install (and the venv, if it is
there too), bind-mounted back.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from dropout_conformance.sandbox.isolation import hidden_folder
from tests.corpus.loading import HERE, HOSTILE

CALL_TIMEOUT, SUBMISSION_TIMEOUT, JOBS, SEED = 12, 24, 2, 20240229
"""CALL_TIMEOUT leaves room for memory_across_processes, whose import waits for the kernel to kill a child
at its cgroup's limit (7.5 to 8.3 s measured while other jobs ran). SUBMISSION_TIMEOUT leaves room for the
slow-but-honest members: object_array builds a Python object
per element, and spec 1.1's p = 0.99999 cases hand it 6 million elements (about 7 s on a busy machine)."""
OVERRUN = 5
"""Seconds a submission may run past its limit: killing, reaping and cleaning up its sandbox."""
MARKER = "HOSTILE-PLANTED-RESULTS"
CORRECT_NEIGHBOURS = ["np_where", "binomial_mask", "slots_class"]
BUGGY_NEIGHBOURS = [  # one per clause of the default rubric but train.values, whose failures are slow to shrink
    "accepts_negative_p", "still_drops_in_eval", "normal_draws_thresholded", "randint_endpoint_drops_at_p_zero",
    "backward_ignores_mask",
]
GENERATED = {"sparse_file": ("refused", 0.0), "fifo_in_folder": ("refused", 0.0)}
"""Members the batch makes itself (git cannot hold a sparse file or a FIFO)."""
NOT_UNDER = {
    "weak": {"kills_neighbours.py": "it would SIGKILL every process of the machine's root",
             "fork_bomb.py": "no uid of its own, so RLIMIT_NPROC cannot bind: it would fill the process table"},
}
NOBODY = 65534
PORTS = range(20000, 21000)  # network_exfiltration.py tries these


def members(level: str) -> list[Path]:
    return [m for m in HOSTILE if m.name not in NOT_UNDER.get(level, {})]


def member_name(member: Path) -> str:
    return member.stem if member.suffix == ".py" else member.name


def _reveal(stage_root: Path) -> list[str]:
    """Shell commands, for a private mount namespace, that let others reach this Python (its
    install and its venv) where it lies under a folder they cannot search: that folder becomes a
    tmpfs holding only those installs, bind-mounted back at their own paths."""
    paths = sorted({os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix)})
    paths = [p for p in paths if not any(p != q and p.startswith(q + os.sep) for q in paths)]
    hidden: dict[str, list[str]] = {}
    for path in paths:
        folder = hidden_folder(path)
        if folder:
            hidden.setdefault(folder, []).append(path)
    commands = []
    for n, (folder, inside) in enumerate(sorted(hidden.items())):
        stages = [(str(stage_root / f"{n}-{i}"), path) for i, path in enumerate(inside)]
        for stage, path in stages:
            commands += [f"mkdir -p {shlex.quote(stage)}", f"mount --bind {shlex.quote(path)} {shlex.quote(stage)}"]
        commands.append(f"mount -t tmpfs -o mode=0755 tmpfs {shlex.quote(folder)}")
        for stage, path in stages:
            commands += [f"mkdir -p {shlex.quote(path)}", f"mount --move {shlex.quote(stage)} {shlex.quote(path)}"]
    return commands


def level_unavailable(level: str) -> str | None:
    """Why ``level`` cannot be run here ('' or None if it can)."""
    if os.geteuid() != 0 and level in ("root", "user", "uid"):
        return "the tests do not run as root"
    if level in ("user", "uid") and not (shutil.which("unshare") and shutil.which("setpriv")):
        return "util-linux's unshare and setpriv are not installed"
    return None


class Listener:
    """TCP and UDP on one loopback port of PORTS; counts what arrives."""

    def __init__(self) -> None:
        self.tcp = socket.socket()
        for port in PORTS:
            try:
                self.tcp.bind(("127.0.0.1", port))
                break
            except OSError:
                continue
        self.port = self.tcp.getsockname()[1]
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", self.port))
        self.tcp.listen(16)
        self.tcp.settimeout(0.2)
        self.udp.settimeout(0.2)
        self.received: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.tcp.accept()
                self.received.append("tcp")
                conn.close()
            except OSError:
                pass
            try:
                self.udp.recv(64)
                self.received.append("udp")
            except OSError:
                pass

    def close(self) -> list[str]:
        self.stop.set()
        self.thread.join(5)
        self.tcp.close()
        self.udp.close()
        return self.received


REAPER = r"""
import ctypes, json, os, signal, subprocess, sys, time
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER: orphans of the grader come here
signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C to the group is the grader's to handle
done = subprocess.run(sys.argv[2:], preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
time.sleep(1.0)
leaked = []
for entry in os.listdir("/proc"):
    if entry.isdigit():
        try:
            with open(f"/proc/{entry}/stat") as fh:
                state, ppid = fh.read().rsplit(")", 1)[1].split()[:2]
            if int(ppid) == os.getpid() and state != "Z":  # a zombie is an orphan that already died
                with open(f"/proc/{entry}/cmdline", "rb") as fh:
                    leaked.append(f"pid {entry}: {fh.read()[:200]!r}")
                os.kill(int(entry), signal.SIGKILL)
        except (OSError, ValueError, IndexError):
            pass
with open(sys.argv[1], "w") as fh:
    json.dump({"returncode": done.returncode, "leaked": leaked}, fh)
"""


def _command(level: str, grader: list[str], verdict: Path, stage_root: Path) -> list[str]:
    reaper = [sys.executable, "-c", REAPER, str(verdict), *grader]
    if level in ("root", "weak"):
        return reaper
    setup = ["set -e", "mount --make-rprivate /", *_reveal(stage_root)]
    run = shlex.join(reaper)
    if level == "user":
        run = f"exec setpriv --reuid={NOBODY} --regid={NOBODY} --clear-groups {run}"
    return ["unshare", "--mount", "sh", "-c", "; ".join([*setup, run])]


def _tree(folder: Path) -> dict[str, str]:
    import hashlib

    files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() if p.stat().st_size < 2**24
            else f"{p.stat().st_size} bytes" for p in files}  # the 20 GB sparse member is not read


def _build(batch: Path, level: str, secret: str) -> None:
    for m in members(level):
        if m.is_dir():
            shutil.copytree(m, batch / m.name, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(m, batch / m.name)
    for stem in CORRECT_NEIGHBOURS:
        shutil.copy(HERE / "correct" / f"{stem}.py", batch / f"correct_{stem}.py")
    for stem in BUGGY_NEIGHBOURS:
        shutil.copy(HERE / "buggy" / f"{stem}.py", batch / f"buggy_{stem}.py")
    with open(batch / "correct_np_where.py", "a") as fh:  # a classmate's source: a spy must not read it
        fh.write(f"# {secret}\n")
    layer = (HERE / "correct" / "np_where.py").read_text()
    for name in GENERATED:
        (batch / name).mkdir()
        (batch / name / "dropout.py").write_text(layer)
    with open(batch / "sparse_file" / "weights.bin", "wb") as fh:
        fh.truncate(20 * 2**30)  # 20 GB of holes: copied dense, it would fill the disk
    os.mkfifo(batch / "fifo_in_folder" / "pipe")


def run_batch(level: str) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="dropout-hostile-"))
    root.chmod(0o755)
    listener = Listener()
    secret = f"SECRET-{secrets.token_hex(8)}"
    try:
        batch, scratch, out, cwd, home = (root / n for n in ("batch", "scratch", "out", "cwd", "home"))
        for folder in (batch, scratch, out, cwd, home / ".ssh"):
            folder.mkdir(parents=True)
        _build(batch, level, secret)
        (home / ".ssh" / "id_ed25519").write_text(f"-----BEGIN OPENSSH PRIVATE KEY-----\n{secret}\n")
        for folder in (root, batch, home):
            folder.chmod(0o755)
        for folder in (scratch, out, cwd):
            folder.chmod(0o777)
        names = sorted(p.stem if p.is_file() else p.name for p in batch.iterdir())
        bound = 30 + math.ceil(len(names) / JOBS) * (SUBMISSION_TIMEOUT + OVERRUN)
        sources = _tree(batch)
        grader = [sys.executable, "-m", "dropout_conformance", "grade", str(batch), "--seed", str(SEED),
                  "--timeout", str(CALL_TIMEOUT), "--submission-timeout", str(SUBMISSION_TIMEOUT), "--jobs", str(JOBS),
                  "--csv", str(out / "grades.csv"), "--json", str(out / "json"), "--html", str(out / f"{secret}.html")]
        if level == "uid":
            grader += ["--isolation", "uid"]
        if level == "weak":
            grader += ["--isolation", "weak", "--allow-weak-isolation"]
        verdict = cwd / "reaper.json"  # cwd is writable at every level, and not a temporary folder
        env = {**os.environ, "TMPDIR": str(scratch), "HOME": str(home), "GITHUB_TOKEN": secret}
        if level == "weak":  # the weakest configuration: as on a kernel without Landlock
            env["DROPOUT_CONFORMANCE_NO_LANDLOCK"] = "1"
        start = time.monotonic()
        proc = subprocess.Popen(_command(level, grader, verdict, root / "stage"), cwd=cwd, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)
        try:
            stdout, stderr = proc.communicate(timeout=bound + 60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            stdout, stderr = proc.communicate()
            stderr += f"\nTHE GRADER HUNG: still running after {bound + 60} s"
        elapsed = time.monotonic() - start
        reaped = json.loads(verdict.read_text()) if verdict.exists() else {"returncode": None, "leaked": ["no verdict"]}
        records = {}
        forged = []
        for path in sorted((out / "json").glob("*.json")) if (out / "json").is_dir() else []:
            record = json.loads(path.read_text())
            if "name" not in record:  # rewritten after the grader exited (possible at level weak)
                forged.append(path.name)
                continue
            records[record["name"]] = record
        # the reports' contents (the console only names the files, one of which is named after the secret)
        outputs = "".join(p.read_text(errors="replace") for p in out.rglob("*") if p.is_file())
        pth = sorted(str(Path(d) / "zz_dropout_hostile.pth") for d in {*sys.path, sys.prefix}
                     if d and (Path(d) / "zz_dropout_hostile.pth").exists())
        for path in pth:
            os.unlink(path)
        leftovers = sorted(str(p.relative_to(scratch)) for p in scratch.rglob("*"))
        for shared in ("/tmp", "/var/tmp", "/dev/shm"):
            if (Path(shared) / "hostile-leftover.txt").exists():
                leftovers.append(f"{shared}/hostile-leftover.txt")
                os.unlink(Path(shared) / "hostile-leftover.txt")
        planted = sorted(str(p.relative_to(root)) for p in root.rglob("*")  # the batch's own sources hold the MARKER
                         if p.is_file() and not p.is_symlink() and batch not in p.parents and p.stat().st_size < 2**20
                         and MARKER in p.read_text(errors="replace"))
        return {
            "level": level,
            "names": names,
            "returncode": reaped["returncode"],
            "stdout": stdout[-5000:],
            "stderr": stderr[-5000:],
            "elapsed": elapsed,
            "bound": bound,
            "records": records,
            "json_files": sorted(p.name for p in (out / "json").glob("*")) if (out / "json").is_dir() else [],
            "out_files": sorted(str(p.relative_to(out)) for p in out.rglob("*")),
            "csv": (out / "grades.csv").read_text(encoding="utf-8-sig") if (out / "grades.csv").exists() else "",
            "sources_before": sources,
            "sources_after": _tree(batch),
            "planted": planted,
            "forged": forged,
            "leaked": reaped["leaked"],
            "secret_in_outputs": secret in outputs,
            "connections": listener.close(),
            "pth": pth,
            "leftovers": leftovers,
        }
    finally:
        listener.close()
        subprocess.run(["chmod", "-R", "u+rwX", str(root)], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
