"""What each isolation step costs a sandbox start, measured.

    python benchmarks/bench_isolation.py [--starts 40]

Part 1 starts a real sandbox (fork from the fork server, confinement, import of a correct
submission, the ready reply, then stop) ``--starts`` times at each configuration this machine
allows, and prints the median wall time per start. Part 2 times the kernel calls of level
namespaces one by one, in forked children (unshare per namespace type, the private root's mounts,
the init's extra fork, Landlock, the session keyring, the cgroups, the end of a uid), medians over
the same number of runs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dropout_conformance.sandbox import confine, kernel, probe  # noqa: E402
from dropout_conformance.sandbox.isolation import Isolation, read_only_paths  # noqa: E402
from dropout_conformance.sandbox.parent import Limits, SandboxedFactory  # noqa: E402

LAYER = ROOT / "tests" / "corpus" / "correct" / "np_where.py"


def starts(iso: Isolation, n: int, folder: Path) -> float:
    """Median seconds for one start and stop of a sandbox at ``iso``."""
    factory = SandboxedFactory(LAYER, LAYER.name, "DropoutLayer", Limits(isolation=iso, temp_root=str(folder)))
    factory.start()  # the fork server's own start (numpy's import) is not a sandbox's cost
    times = []
    try:
        for _ in range(n):
            t = time.perf_counter()
            factory.start()
            factory.stop()
            times.append(time.perf_counter() - t)
    finally:
        factory.close()
    return statistics.median(times)


def _in_child(step: str, folder: Path) -> float:
    """Seconds of one step, timed in a forked child (the step changes the process for good)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            spec = _spec(folder)
            t = time.perf_counter()
            if step == "fork":
                child = os.fork()
                if child == 0:
                    os._exit(0)
                os.waitpid(child, 0)
            elif step.startswith("unshare "):
                kernel.unshare({"pid": kernel.CLONE_NEWPID, "net": kernel.CLONE_NEWNET, "ipc": kernel.CLONE_NEWIPC,
                                "uts": kernel.CLONE_NEWUTS, "mount": kernel.CLONE_NEWNS}[step.split()[1]])
            elif step == "private root (mounts, pivot_root)":
                kernel.unshare(kernel.CLONE_NEWNS)
                t = time.perf_counter()
                confine.build_root(spec, os.getuid())
            elif step == "cgroups (memory, pids): join":
                confine.join_cgroups(spec, f"sandbox-{os.getpid()}")
            elif step == "end of a uid (kill, keyrings)":
                confine.end_uid(0x60000000 + os.getpid())
            elif step == "new session keyring":
                kernel.new_session_keyring()
            elif step == "landlock":
                kernel.prctl(kernel.PR_SET_NO_NEW_PRIVS, 1)
                kernel.landlock_restrict(kernel.landlock_abi(), spec.read_paths, [spec.workdir], network=True, scopes=True)
            os.write(w, json.dumps(time.perf_counter() - t).encode())
        finally:
            os._exit(0)
    os.close(w)
    data = os.read(r, 100)
    os.close(r)
    os.waitpid(pid, 0)
    return float(json.loads(data)) if data else float("nan")


def _spec(folder: Path) -> object:
    from dropout_conformance.sandbox.child import ChildSpec

    run = Path(tempfile.mkdtemp(dir=folder))
    for name in ("work", "root", "code"):
        (run / name).mkdir()
    return ChildSpec(workdir=str(run / "work"), submission_dir=str(run / "code"), entry="x.py", attr="DropoutLayer",
                     exchange_file=str(run / "exchange"), root_dir=str(run / "root"), read_paths=read_only_paths(),
                     memory=2**31, cpu_seconds=10, file_size=2**22, work_size=2**26, processes=64, level="namespaces",
                     user_namespace=os.geteuid() != 0, landlock=kernel.landlock_abi(), cgroup=False,
                     cgroup_group="bench", forbid_names=[], forbid_paths={}, forbid_digests={})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=40)
    args = parser.parse_args()
    found = probe.run()
    abi = int(found.get("landlock", 0))
    configs = [("weak, no Landlock", Isolation("weak")), (f"weak + Landlock ABI {abi}", Isolation("weak", landlock=abi))]
    if found.get("uid") is True:
        configs.append(("uid + Landlock", Isolation("uid", landlock=abi)))
    if found.get("namespaces") is True:
        userns = os.geteuid() != 0
        configs.append(("namespaces + Landlock", Isolation("namespaces", user_namespace=userns, landlock=abi)))
        if found.get("cgroup"):
            configs.append(("namespaces + Landlock + cgroups (full)",
                            Isolation("namespaces", user_namespace=userns, landlock=abi, cgroup=True)))
    with tempfile.TemporaryDirectory(prefix="dropout-bench-") as tmp:
        folder = Path(tmp)
        os.chmod(folder, 0o711)
        print(f"probe: {found}")
        print(f"{'configuration':<40} median start+stop ({args.starts} starts)")
        for name, iso in configs:
            print(f"{name:<40} {1e3 * starts(iso, args.starts, folder):7.1f} ms")
        if found.get("namespaces") is True and os.geteuid() == 0:
            print(f"\n{'step':<40} median ({args.starts} runs)")
            for step in ("fork", "unshare pid", "unshare net", "unshare ipc", "unshare uts", "unshare mount",
                         "private root (mounts, pivot_root)", "landlock", "new session keyring",
                         "cgroups (memory, pids): join", "end of a uid (kill, keyrings)"):
                runs = [_in_child(step, folder) for _ in range(args.starts)]
                if step.startswith("cgroups"):
                    confine.remove_cgroup_group("bench")
                print(f"{step:<40} {1e3 * statistics.median(runs):7.2f} ms")


if __name__ == "__main__":
    main()
