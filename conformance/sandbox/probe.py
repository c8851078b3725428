"""What isolation this machine allows, found by starting real sandboxes, not by reading settings.

DROPOUT_CONFORMANCE_NO_LANDLOCK=1 makes the probe ignore Landlock, as on a kernel without it (for
tests of the weakest configuration, and for diagnosing a kernel whose Landlock misbehaves).

Each level is tried with an empty submission that prints what it sees (its pid, its uid, whether
it reached the network or the grader's folder); a level counts only if the sandbox started *and*
the submission saw what the level promises. Probed once per process; the grader's command line
probes once and hands the result to every worker.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from . import confine, kernel
from .isolation import Isolation, choose, read_only_paths, readable_by_others

PROBE = '''
import json, os, socket
seen = {"pid": os.getpid(), "uid": os.getuid()}
try:
    seen["secret"] = open(SECRET).read()
except OSError:
    seen["secret"] = None
try:
    socket.create_connection(("127.0.0.1", 9), timeout=1).close()
    seen["network"] = True
except OSError as exc:
    seen["network"] = exc.errno not in (101, 13, 1)  # unreachable, or refused by Landlock: no network
print("PROBE " + json.dumps(seen), flush=True)
DropoutLayer = object
'''

_BEST: Isolation | None = None


def best() -> Isolation:
    """The strongest isolation this process can have (probed on first use)."""
    global _BEST
    if _BEST is None:
        _BEST = choose(run())
    return _BEST


def _attempt(folder: Path, iso: Isolation) -> tuple[bool | str, dict[str, Any]]:
    from .parent import Limits, SandboxedFactory, SetupFailed

    factory = SandboxedFactory(folder / "probe.py", "probe.py", "DropoutLayer",
                               Limits(call_timeout=30, submission_timeout=60, isolation=iso, temp_root=str(folder)))
    try:
        factory.start()
    except SetupFailed as exc:
        return exc.detail or "refused", {}
    except Exception as exc:  # noqa: BLE001 - whatever stopped it is the answer
        return f"{type(exc).__name__}: {exc}", {}
    finally:
        factory.close()
    lines = [line for line in factory.output.splitlines() if line.startswith("PROBE ")]
    seen = json.loads(lines[-1][6:]) if lines else {}
    return True, seen


def run() -> dict[str, Any]:
    """Try each level; what worked, or why not, by level; what the probe submission saw."""
    root = os.geteuid() == 0
    abi = 0 if os.environ.get("DROPOUT_CONFORMANCE_NO_LANDLOCK") else kernel.landlock_abi()
    cgroups = root and all(os.access(os.path.join(confine.CGROUPS, c), os.W_OK) for c in ("memory", "pids"))
    found: dict[str, Any] = {"root": root, "landlock": 0, "cgroup": False}
    with tempfile.TemporaryDirectory(prefix="dropout-probe-") as tmp:
        folder = Path(tmp)
        os.chmod(folder, 0o711)
        secret = folder / "secret"
        secret.write_text("grader")
        os.chmod(secret, 0o600)
        (folder / "probe.py").write_text(PROBE.replace("SECRET", repr(str(secret))))
        os.chmod(folder / "probe.py", 0o644)
        for level in ("namespaces", "uid"):
            if level == "uid" and not root:
                continue
            if level == "uid" and not readable_by_others(read_only_paths()):
                found[level] = "Python and numpy are not readable by other users"
                continue
            tries = [(ll, cg) for ll in dict.fromkeys((abi, 0)) for cg in dict.fromkeys((cgroups, False))]
            for landlock, cgroup in tries:
                ok, seen = _attempt(folder, Isolation(level, user_namespace=not root, landlock=landlock, cgroup=cgroup))
                if ok is True:
                    problem = _unkept(level, seen, os.getuid())
                    ok = problem or True
                if ok is True:
                    found[level] = True
                    found["landlock"], found["cgroup"] = max(found["landlock"], landlock), found.get("cgroup") or cgroup
                    break
                found[level] = ok
        confine.remove_cgroup_group(folder.name)
    return found


def _unkept(level: str, seen: dict[str, Any], uid: int) -> str:
    """What the probe submission saw that the level promises it would not ('' if nothing)."""
    if not seen:
        return "the probe printed nothing"
    if seen.get("secret") is not None:
        return "the sandbox could read the grader's files"
    if level == "namespaces" and (seen.get("pid") != 2 or seen.get("network")):
        return "the sandbox was not in its own PID and network namespaces"
    if level == "uid" and seen.get("uid") == uid:
        return "the sandbox kept the grader's uid"
    return ""
