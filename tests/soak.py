"""On-demand soak: the reference and every correct corpus member on many seeds, zero failures
(the reference and the members with STRICT = True under the strict profile, the others under spec).

    python -m tests.soak --seeds 200 [--jobs 2]     (or: tox -e soak)

Prints one line per member and the totals; exits 1 if any (member, seed) run failed.
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from tests.corpus.loading import CORRECT, load, run_member

REFERENCE = Path(__file__).parents[1] / "reference" / "__init__.py"


def profile_of(path: Path) -> str:
    """The reference and the members that claim the SHOULD clauses (STRICT = True) soak under strict."""
    return "strict" if path == REFERENCE or getattr(load(path)[0], "STRICT", False) else "spec"


def soak_one(job: tuple[Path, int]) -> tuple[str, int, list[str]]:
    path, seed = job
    outcomes = run_member(path, seed, profile_of(path))
    return path.stem if path != REFERENCE else "reference", seed, [k for k, o in outcomes.items() if o.status != "passed"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=200, help="seeds per member (default 200)")
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    members = [REFERENCE, *CORRECT]
    jobs = [(m, s) for m in members for s in range(args.first_seed, args.first_seed + args.seeds)]
    start, failures, done = time.monotonic(), [], 0
    with ProcessPoolExecutor(args.jobs) as pool:
        for name, seed, bad in pool.map(soak_one, jobs, chunksize=4):
            done += 1
            if bad:
                failures.append((name, seed, bad))
                print(f"FAIL {name} seed {seed}: {', '.join(bad)}", flush=True)
            if done % 100 == 0 or done == len(jobs):
                print(f"{done}/{len(jobs)} runs, {len(failures)} failed, {time.monotonic() - start:.0f} s", flush=True)
    print(
        f"soak: {len(members)} implementations x {args.seeds} seeds = {len(jobs)} runs "
        f"({sum(profile_of(m) == 'strict' for m in members) * args.seeds} of them strict), "
        f"{len(failures)} failed, {time.monotonic() - start:.0f} s"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
