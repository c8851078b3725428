"""One class graded three ways: one run, 4 shards one after another then merged, and on a Dask
LocalCluster; the outputs of the last two checked against the first's, and the cost of each.

    python benchmarks/bench_shards.py [--n 200] [--jobs 2] [--shards 4] [--seed 2026] [--project 50000]

The class is grade_class.py's (every hostile member, then the correct and buggy corpora in turn).
Each way writes CSV, JSON, JUnit, feedback and HTML; every file must equal the single run's with
measured times blanked, except where two single runs differ too: members that draw their masks
from OS entropy (``np.random.default_rng()`` unseeded) report other counts on every run, and a
member that runs out of time may stop in another case. The Dask cluster has as many single-threaded worker processes as --jobs,
so each way grades --jobs submissions at a time on the same cores; its start-up is timed apart.
Overhead per submission is a way's extra wall time over the single run, divided by N. The
projection takes the Dask run's wall time per submission per worker slot (its fixed costs spread
over the class), times the class size, over the slots: a projection, not a measurement.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from grade_class import build  # noqa: E402

from tests.test_shards import _tree  # noqa: E402

OUTPUTS = ("--csv", "grades.csv", "--json", "json", "--junit", "junit.xml", "--feedback", "feedback", "--html", "class.html")


def _cli(*args: str, cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "dropout_conformance", *args, "-q"], cwd=cwd, capture_output=True,
                          text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{' '.join(args[:2])} exit {done.returncode}: {done.stderr[-2000:]}")
    return time.perf_counter() - start


def _differences(single: Path, other: Path) -> list[str]:
    mine, theirs = _tree(single), _tree(other)
    return sorted(set(mine) ^ set(theirs)) + [name for name in sorted(mine) if name in theirs and mine[name] != theirs[name]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--project", type=int, default=50_000, help="class size of the projection")
    args = parser.parse_args()
    from distributed import LocalCluster

    root = Path(tempfile.mkdtemp(prefix="dropout-shards-"))
    root.chmod(0o755)
    grade = ("--seed", str(args.seed), "--timeout", "2", "--submission-timeout", "20")
    try:
        subs = root / "class"
        subs.mkdir()
        subs.chmod(0o755)
        build(subs, args.n)
        for way in ("single", "again", "shards", "dask"):
            (root / way).mkdir()
        single = _cli("grade", str(subs), *grade, "--jobs", str(args.jobs), *OUTPUTS, cwd=root / "single")
        again = _cli("grade", str(subs), *grade, "--jobs", str(args.jobs), *OUTPUTS, cwd=root / "again")
        parts = [_cli("grade", str(subs), *grade, "--jobs", str(args.jobs), "--shard", f"{k}/{args.shards}",
                      "--shard-dir", str(root / f"shard{k}"), cwd=root) for k in range(1, args.shards + 1)]
        merge = _cli("merge", *(str(root / f"shard{k}") for k in range(1, args.shards + 1)), *OUTPUTS, cwd=root / "shards")
        start = time.perf_counter()
        with LocalCluster(n_workers=args.jobs, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
            cluster_start = time.perf_counter() - start
            dask = _cli("grade", str(subs), *grade, "--dask", cluster.scheduler_address, *OUTPUTS, cwd=root / "dask")
        differ = {way: _differences(root / "single", root / way) for way in ("again", "shards", "dask")}
    finally:
        shutil.rmtree(root, ignore_errors=True)
    sharded = sum(parts) + merge
    own = set(differ["again"])  # the submissions' own nondeterminism
    wrong = {way: [name for name in differ[way] if name not in own] for way in ("shards", "dask")}
    n, slots = args.n, args.jobs
    print(f"{n} submissions, {slots} at a time, seed {args.seed}, python {sys.version.split()[0]}")
    print("| way | wall time | per submission | overhead per submission over one run | output files differing from "
          "one run (of them, not differing between two single runs) |")
    print("|---|---|---|---|---|")
    print(f"| one run | {single:.1f} s | {single / n:.3f} s | - | - |")
    print(f"| the same run again | {again:.1f} s | {again / n:.3f} s | {(again - single) / n:+.3f} s | {len(own)} |")
    print(f"| {args.shards} shards one after another + merge | {sum(parts):.1f} s + {merge:.1f} s | {sharded / n:.3f} s | "
          f"{(sharded - single) / n:+.3f} s | {len(differ['shards'])} ({len(wrong['shards'])}) |")
    print(f"| Dask LocalCluster, {slots} worker processes (start-up {cluster_start:.1f} s apart) | {dask:.1f} s | "
          f"{dask / n:.3f} s | {(dask - single) / n:+.3f} s | {len(differ['dask'])} ({len(wrong['dask'])}) |")
    for way, names in differ.items():
        for name in names:
            print(f"  DIFFERS ({way}{'' if way == 'again' or name in own else ', not between single runs'}) {name}")
    per_slot = dask * slots / n  # seconds of one worker slot per submission, the cluster's fixed costs included
    print(f"\nProjection (not measured) for {args.project:,} submissions on Dask, from {per_slot:.2f} s per submission "
          "per worker slot, assuming every slot as fast as this machine's and no shared-storage or scheduler limit:")
    print("| worker slots | projected wall time |")
    print("|---|---|")
    for workers in (2, 16, 64, 256):
        print(f"| {workers} | {args.project * per_slot / workers / 60:.0f} min |")
    return 1 if any(wrong.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
