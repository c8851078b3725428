"""Property examples are drawn once and replayed; a failure is shrunk by a live Hypothesis run.

The replay is a speed-up only if it never changes a verdict or a message, so these tests compare
it with Hypothesis run live on the same seed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dropout_conformance.checks import case_seed, cases, run_case
from dropout_conformance.checks.context import Context
from dropout_conformance.checks.properties import drawn_examples, for_all_inputs, live_hypothesis
from dropout_conformance.implementation import InProcess
from dropout_reference import DropoutLayer

from .corpus.loading import BUGGY, load

VALUES = [c for c in cases("spec") if c.clause == "train.values"]


@pytest.mark.parametrize("seed", [1, 2026, 2**31 - 5])
@pytest.mark.parametrize("dtype", ["float64", "float32", "float16"])
def test_drawn_examples_are_what_live_hypothesis_feeds_a_passing_layer(seed: int, dtype: str) -> None:
    seen: list[str] = []
    layer = DropoutLayer(0.5)

    def prop(ctx: Context, expr: str) -> None:
        layer.forward(ctx.array(expr))
        seen.append(expr)

    with live_hypothesis():
        for_all_inputs(Context("train.values", InProcess(DropoutLayer), seed), prop, dtype)
    assert seen == list(drawn_examples(seed, dtype))
    assert len(seen) == 10


@pytest.mark.parametrize("member", ["scales_by_one_over_p", "no_train_time_scaling", "returns_flattened"])
def test_a_replayed_failure_is_reported_as_live_hypothesis_reports_it(member: str) -> None:
    module, _ = load(next(p for p in BUGGY if p.stem == member))
    impl = module.DropoutLayer
    case = VALUES[0]
    replayed = run_case(case, impl, case_seed(7, case))
    with live_hypothesis():
        live = run_case(case, impl, case_seed(7, case))
    assert replayed.status in ("failed", "blocked")
    assert replayed == live


class FailsOnceOnTheThirdCall:
    """Wrong on the third forward of the process only: the live rerun does not see it again."""

    calls = 0

    def __init__(self, p: float) -> None:
        self.inner = DropoutLayer(p)

    def forward(self, x: np.ndarray, training: bool = True) -> Any:
        type(self).calls += 1
        out = self.inner.forward(x, training)
        return out + 1 if type(self).calls == 3 else out

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return self.inner.backward(grad)


def test_a_replayed_failure_that_does_not_recur_live_stands() -> None:
    FailsOnceOnTheThirdCall.calls = 0
    case = VALUES[0]
    outcome = run_case(case, FailsOnceOnTheThirdCall, case_seed(7, case))
    assert outcome.status == "failed"
    assert "neither" in outcome.render("FailsOnceOnTheThirdCall")
    assert FailsOnceOnTheThirdCall.calls > 10  # the live rerun ran its own examples


@pytest.mark.parametrize("member", ["scales_by_one_over_p", "no_train_time_scaling"])
def test_without_shrinking_the_verdict_is_the_same_and_the_example_unshrunk(member: str) -> None:
    """The grader shrinks only a clause's first failing case; the others keep their replayed example."""
    module, _ = load(next(p for p in BUGGY if p.stem == member))
    failing = 0
    for case in VALUES:
        shrunk = run_case(case, module.DropoutLayer, case_seed(7, case))
        unshrunk = run_case(case, module.DropoutLayer, case_seed(7, case), shrink=False)
        assert shrunk.status == unshrunk.status, case.key
        if shrunk.status == "failed":
            failing += 1
            assert shrunk.render(member).splitlines()[:3] == unshrunk.render(member).splitlines()[:3]  # clause, spec, expected
            assert len(unshrunk.render(member)) >= len(shrunk.render(member))
    assert failing, f"{member} fails no train.values case on this seed"


def test_the_examples_depend_on_the_seed_alone_not_on_what_the_process_imported(tmp_path: Path) -> None:
    """Hypothesis 6.131+ mixes the literal constants of "local" modules in sys.modules into its draws;
    two processes that imported different code (here, a module full of float literals) must still
    draw the same examples for one seed, or grading depends on the grader's history."""
    (tmp_path / "lots_of_literals.py").write_text(
        "VALUES = [" + ", ".join(f"{v!r}" for v in (0.5, 3.25, 456.9407653808594, 999.0, -317.46875, 12.5, 7.75)) + "]\n"
    )
    script = ("import sys, hashlib; {extra}from dropout_conformance.checks.properties import drawn_examples; "
              "print(hashlib.sha256(repr([drawn_examples(s, d) for s in (1, 2026) for d in ('float32', 'float16')]).encode())"
              ".hexdigest())")
    digests = []
    for extra in ("", f"sys.path.insert(0, {str(tmp_path)!r}); import lots_of_literals; "):
        done = subprocess.run([sys.executable, "-c", script.format(extra=extra)], capture_output=True, text=True,
                              timeout=300, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        digests.append(done.stdout.strip())
    assert digests[0] == digests[1], "the drawn examples changed with a module the process imported"
