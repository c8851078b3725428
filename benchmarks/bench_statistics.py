"""Measured false-failure rate and power of the real `train.unbiased` check.

    python benchmarks/bench_statistics.py [--runs 200] [--p 0.5]

Runs the actual check (not a model of it) against the reference on --runs seeds (every failure is
a false failure; designed rate <= 1e-9, so expect 0), and against a layer whose keep rate is off
by exactly DELTA = 0.005 (designed power >= 0.999, so expect all or nearly all caught).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from dropout_conformance import statistics as st
from dropout_conformance.checks import cases, run_case
from dropout_reference import DropoutLayer


def off_by_delta(seed: int):
    class OffByDelta:
        def __init__(self, p):
            self.p, self.rng = p, np.random.default_rng(seed)

        def forward(self, x, training=True):
            self.m = self.rng.random(x.shape) >= self.p + st.DELTA  # keeps 1-p-DELTA
            return x * self.m / (1 - self.p)

        def backward(self, grad):
            return grad * self.m / (1 - self.p)

    return OffByDelta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--p", type=float, default=0.5)
    args = parser.parse_args()
    (case,) = [c for c in cases("spec") if c.key == f"train.unbiased-p{args.p}"]
    d = st.design(args.p)
    start = time.perf_counter()
    false_failures = sum(run_case(case, DropoutLayer, s).status != "passed" for s in range(args.runs))
    caught = sum(run_case(case, off_by_delta(s), s).status == "failed" for s in range(args.runs))
    elapsed = time.perf_counter() - start
    print(f"train.unbiased at p={args.p}: n={d.n:,} draws, designed size {d.size:.2e}, designed power {d.power:.6f}")
    print(f"| correct reference, {args.runs} seeds | {false_failures} failed |")
    print(f"| keep rate off by {st.DELTA}, {args.runs} seeds | {caught} caught ({caught / args.runs:.1%}) |")
    print(f"{2 * args.runs} check runs in {elapsed:.1f} s ({elapsed / (2 * args.runs) * 1000:.0f} ms each)")


if __name__ == "__main__":
    main()
