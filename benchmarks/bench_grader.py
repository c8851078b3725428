"""Grading throughput with isolation on, side by side with a shell loop of pytest runs.

    python benchmarks/bench_grader.py [--n 40] [--jobs 2]

Builds N submissions cycling through the correct and buggy corpora, then measures, in one run:
- grader:     dropout-conformance grade DIR --jobs J (default rubric: the six published checks)
- grader (spec): the same with --profile spec (every MUST clause)
- loop:       one `pytest --dropout-impl=FILE` per submission (default options: spec + baseline)
- loop (like-for-like): one `pytest --dropout-impl=FILE --dropout-profile=core --dropout-no-baseline`
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CORPUS = Path(__file__).parents[1] / "tests" / "corpus"


def timed(cmd: list[str], cwd: Path, *, graded: bool = False) -> float:
    """Wall seconds of ``cmd``; for the grader (``graded``), only if it exited 0 (a refusal is not a result)."""
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if graded and done.returncode != 0:
        raise SystemExit(f"the grader failed (exit status {done.returncode}): {done.stderr[-500:]}")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    members = sorted((CORPUS / "correct").glob("*.py")) + sorted((CORPUS / "buggy").glob("*.py"))
    members = [m for m in members if "IMPL_ATTR" not in m.read_text()]  # the loop needs DropoutLayer
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        subs = root / "class"
        subs.mkdir()
        files = []
        for i in range(args.n):
            target = subs / f"student{i:03d}.py"
            shutil.copy(members[i % len(members)], target)
            files.append(target)
        grade = [sys.executable, "-m", "dropout_conformance", "grade", str(subs), "--seed", "1", "-q", "--jobs", str(args.jobs)]
        g_core = timed(grade, root, graded=True)
        g_spec = timed([*grade, "--profile", "spec"], root, graded=True)
        pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--dropout-seed=1"]
        loop = sum(timed([*pytest, f"--dropout-impl={f}:DropoutLayer"], root) for f in files)
        like = sum(timed([*pytest, f"--dropout-impl={f}:DropoutLayer", "--dropout-profile=core", "--dropout-no-baseline"], root)
                   for f in files)
    n = args.n
    print(f"{n} submissions, --jobs {args.jobs}, python {sys.version.split()[0]}")
    print(f"| grader, default rubric (core), isolated | {g_core:.1f} s | {n / g_core:.1f} submissions/s |")
    print(f"| grader, --profile spec, isolated | {g_spec:.1f} s | {n / g_spec:.1f} submissions/s |")
    print(f"| shell loop of `pytest --dropout-impl=FILE` (spec + baseline) | {loop:.1f} s | {n / loop:.2f} submissions/s |")
    print(f"| shell loop, like for like (core, no baseline) | {like:.1f} s | {n / like:.2f} submissions/s |")
    print(f"| speed-up: grader (core) vs the literal loop | {loop / g_core:.1f}x |")
    print(f"| speed-up: grader (core) vs the like-for-like loop | {like / g_core:.1f}x |")


if __name__ == "__main__":
    main()
