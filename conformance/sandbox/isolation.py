"""Which isolation a sandbox gets: the levels, what this machine allows, and how it is reported.

Levels, strongest first (docs/instructors.md says what each stops and what it does not):

``namespaces``
    Own PID, network, mount, IPC and UTS namespaces. The root is a fresh read-only tmpfs holding
    only the standard library, numpy, /usr and the submission's copy, plus a size-capped private
    tmpfs to write in. As root each sandbox runs as a uid of its own (``UID_BASE`` + the pid of
    its keeper, so no two live sandboxes share one); as an ordinary user each gets its own user
    namespace. The PID namespace's init dying kills every descendant.
``uid``
    Root where namespaces are refused (a container's seccomp profile): a uid of its own per
    sandbox, and every process of that uid killed when it ends. Needs a Python others can read.
``weak``
    Neither: the grader's own identity, a process-group kill. Only with --allow-weak-isolation.

Landlock (filesystem, TCP and signal scoping, whatever ABI the kernel has) and no_new_privs are
added at every level where the kernel offers them; rlimits always apply. As root, where cgroup v1's
memory and pids controllers are writable, each sandbox also gets cgroups of its own that bound its
memory (tmpfs included) and its process count as a whole, not per process.
"""

from __future__ import annotations

import functools
import os
import sys
from dataclasses import asdict, dataclass
from typing import Any

LEVELS = ("namespaces", "uid", "weak")
UID_BASE = 0x60000000
"""Sandbox uids are UID_BASE + a pid: far above any account a system hands out."""
STRONG = ("namespaces", "uid")
"""Levels that give a separate identity and an every-descendant kill: the grader's minimum."""


@dataclass(frozen=True)
class Isolation:
    level: str
    user_namespace: bool = False
    """At level namespaces: the grader is not root, so each sandbox has its own user namespace."""
    landlock: int = 0
    """The Landlock ABI applied (0: none)."""
    cgroup: bool = False
    """Memory and process limits for the whole sandbox, in cgroups of its own (root, cgroup v1)."""
    reason: str = ""
    """Why no stronger level could be had (empty at namespaces)."""

    @property
    def strong(self) -> bool:
        return self.level in STRONG

    def describe(self) -> str:
        """One line for a console header or a report."""
        if self.level == "namespaces":
            who = "an own user namespace" if self.user_namespace else "an own uid"
            text = f"namespaces (pid, net, mount, ipc, uts; {who})"
        elif self.level == "uid":
            text = "uid (an own uid per sandbox, killed by uid; no namespaces)"
        else:
            text = "WEAK (the grader's own identity, process-group kill)"
        text += f", Landlock ABI {self.landlock}" if self.landlock else ", no Landlock"
        text += ", memory and process cgroups" if self.cgroup else ", no cgroups (memory limited per process only)"
        return text + (f"; {self.reason}" if self.reason else "")

    def record(self) -> dict[str, Any]:
        return {**asdict(self), "description": self.describe()}


def stops_tcp(record: dict[str, Any]) -> bool:
    """Whether sandboxes with this isolation record can open no TCP connection: an own network
    namespace, or Landlock's TCP rules (ABI 4). What a cluster needs: its scheduler runs any task sent to it."""
    return record.get("level") == "namespaces" or (record.get("level") == "uid" and int(record.get("landlock", 0)) >= 4)


def read_only_paths() -> list[str]:
    """What a sandbox may read to run Python and numpy: the standard library (with its compiled
    modules), numpy and the libraries it links, and /usr's shared libraries. Not site-packages,
    not the grader's venv, not /etc, /home, /root or /tmp. Found once per process."""
    return list(_read_only_paths())


@functools.cache
def _read_only_paths() -> tuple[str, ...]:
    import numpy

    stdlib = os.path.dirname(os.__file__)
    numpy_dir = os.path.dirname(numpy.__file__)
    paths = [stdlib, numpy_dir, numpy_dir + ".libs", "/usr/lib", "/usr/lib64", "/lib", "/lib64"]
    paths += [p for p in sys.path if p.endswith("lib-dynload")]
    seen: list[str] = []
    for p in paths:
        real = os.path.realpath(p)
        if os.path.isdir(real) and real not in seen:
            seen.append(real)
    return tuple(seen)


def hidden_folder(path: str) -> str | None:
    """The first folder on the way to ``path`` (itself included) that others cannot search, if any."""
    parts = os.path.abspath(path).split(os.sep)
    for i in range(2, len(parts) + 1):
        folder = os.sep.join(parts[:i])
        if os.path.isdir(folder) and not os.stat(folder).st_mode & 0o001:
            return folder
    return None


def readable_by_others(paths: list[str]) -> bool:
    """Can a uid of the sandbox's own read these without namespaces (every folder above searchable)?"""
    return all(hidden_folder(path) is None for path in paths)


def choose(probed: dict[str, Any], wanted: str = "auto") -> Isolation:
    """The strongest level the probe found (or ``wanted``, if the machine allows it)."""
    landlock = int(probed.get("landlock", 0))
    root = bool(probed.get("root"))
    cgroup = bool(probed.get("cgroup"))
    reasons = []
    if probed.get("namespaces") is True:
        if wanted in ("auto", "namespaces"):
            return Isolation("namespaces", user_namespace=not root, landlock=landlock, cgroup=cgroup)
    else:
        reasons.append(f"namespaces refused ({probed.get('namespaces')})")
    if root and probed.get("uid") is True:
        if wanted in ("auto", "uid"):
            return Isolation("uid", landlock=landlock, cgroup=cgroup, reason="; ".join(reasons))
    elif root:
        reasons.append(f"a uid of its own does not work ({probed.get('uid')})")
    else:
        reasons.append("not root, so no uid of its own")
    if wanted not in ("auto", "weak"):
        raise ValueError(f"--isolation {wanted} is not available here: {'; '.join(reasons)}")
    return Isolation("weak", landlock=landlock, reason="; ".join(reasons) or "asked for")
