"""The statistical design holds: sizes, critical regions and power are what the docs say."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from dropout_conformance import statistics as st
from dropout_conformance.checks import cases, false_failure_bound, run_case

STATISTICS_MD = Path(__file__).parents[1] / "docs" / "statistics.md"


@pytest.mark.parametrize("p", st.UNBIASED_P)
def test_design_meets_false_failure_and_power_targets(p):
    d = st.design(p)
    assert d.size <= st.ALPHA
    assert d.power >= st.POWER
    # n is the smallest on the bisection: one fewer draw misses the power target
    lo, hi = st._critical(d.n - 1, d.keep, st.ALPHA)
    assert st._power(d.n - 1, d.keep, st.DELTA, lo, hi) < st.POWER


@pytest.mark.parametrize("p", st.UNBIASED_P)
def test_critical_region_agrees_with_scipy_binomtest(p):
    d = st.design(p)
    reject = lambda k: min(st.binomial_pvalues(k, d.n, d.keep)) <= st.ALPHA / 2  # noqa: E731
    assert reject(d.lower) and not reject(d.lower + 1)
    assert reject(d.upper) and not reject(d.upper - 1)


@pytest.mark.parametrize("p", (0.2, 0.95))
def test_simulated_rejection_rates_match_the_design(p):
    d = st.design(p)
    rng = np.random.default_rng(20261129)
    rejects = lambda k: (k <= d.lower) | (k >= d.upper)  # noqa: E731
    correct = rng.binomial(d.n, d.keep, size=200_000)
    assert rejects(correct).sum() == 0  # expected 2e-4 rejections
    off = rng.binomial(d.n, d.keep - st.DELTA, size=20_000)
    assert rejects(off).mean() >= 0.997  # designed 0.999; 0.997 is 4.5 sd below


class _OffByTwoDelta:
    """A layer keeping elements with probability 1-p-2*DELTA: caught with power 1-1e-12."""

    def __init__(self, p):
        self.p, self.rng = p, np.random.default_rng(7)

    def forward(self, x, training=True):
        self.m = self.rng.random(x.shape) >= self.p + 2 * st.DELTA
        return x * self.m / (1 - self.p)

    def backward(self, grad):
        return grad * self.m / (1 - self.p)


def test_the_unbiased_check_catches_a_small_keep_rate_error():
    d = st.design(0.5)
    lo, hi = st._critical(d.n, d.keep, st.ALPHA)
    assert st._reject_prob(d.n, d.keep - 2 * st.DELTA, lo, hi) >= 1 - 1e-12
    (case,) = [c for c in cases("spec") if c.key == "train.unbiased-p0.5"]
    outcome = run_case(case, _OffByTwoDelta, seed=1)
    assert outcome.status == "failed"
    fraction = float(re.search(r"fraction (0\.\d+)", outcome.render("_OffByTwoDelta")).group(1))
    assert abs(fraction - (0.5 - 2 * st.DELTA)) < 0.002, outcome.render("_OffByTwoDelta")


def test_each_case_meets_its_false_failure_target():
    for c in cases("strict"):
        target = st.ALPHA if c.clause in ("train.unbiased", "train.independent") else st.RARE
        assert c.chance() <= target, c.key


def test_independence_figures_in_the_docs():
    from dropout_conformance.checks.independence import agreement_rate, dispersion_design, dispersion_size

    text = STATISTICS_MD.read_text()
    for p in (0.2, 0.5, 0.8):
        lo, hi, pi, k = dispersion_design(p)
        assert f"| {p} | [{lo}, {hi}] | {pi:.3f} | {k} | {dispersion_size(p):.3e} |" in text
    for p in (0.2, 0.5):
        d = st.design_rate(agreement_rate(p))
        assert f"| {p} | {d.rate:.3g} | {d.n:,} | {d.size:.3e} | {d.power:.6f} |" in text


def test_docs_quote_the_computed_figures():
    text = STATISTICS_MD.read_text()
    for p in st.UNBIASED_P:
        d = st.design(p)
        row = f"| {p} | {d.keep:g} | {d.n:,} | {d.lower:,} | {d.upper:,} | {d.size:.3e} | {d.power:.6f} |"
        assert row in text, f"docs/statistics.md lacks the row: {row}"
    for profile in ("core", "spec", "strict"):
        m = re.search(rf"`{profile}` profile: at most ([0-9.e-]+)", text)
        assert m, profile
        assert float(m.group(1)) == float(f"{false_failure_bound(profile):.3g}")
