"""Designed statistics: sample sizes derived from a false-failure rate and a power target.

The unbiasedness check counts kept elements K out of n draws and applies scipy's exact
binomial test twice, one-sided at ``ALPHA/2`` each way. Its false-failure probability on a
correct layer is therefore at most ``ALPHA`` (computed exactly below, not approximated), and n
is the smallest sample size whose exact power against a keep rate off by ``DELTA`` in either
direction is at least ``POWER``. Deterministic checks that rest on a random event (two masks
differ, a mask is not constant along an axis) size their inputs so the event's chance for a
correct layer is at most ``RARE``. ``docs/statistics.md`` derives all of this.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

ALPHA = 1e-9
DELTA = 0.005
POWER = 0.999
RARE = 1e-12

UNBIASED_P = (0.1, 0.2, 0.5, 0.8, 0.95)


@dataclass(frozen=True)
class BinomialDesign:
    """An exact two-sided binomial test of a success rate (the keep rate 1-p, or a pair agreement rate)."""

    rate: float
    """The success probability of a correct layer."""
    n: int
    lower: int
    """Reject when K <= lower ..."""
    upper: int
    """... or when K >= upper."""
    size: float
    """Exact false-failure probability for a correct layer (<= ALPHA)."""
    power: float
    """Exact probability of failing a layer whose rate is off by DELTA (worse side)."""

    @property
    def keep(self) -> float:
        return self.rate

    def rejects(self, k: int) -> bool:
        """scipy's exact binomial test, one-sided each way at ALPHA/2: the check's decision."""
        less, greater = binomial_pvalues(k, self.n, self.rate)
        return min(less, greater) <= ALPHA / 2


def _critical(n: int, q: float, alpha: float) -> tuple[int, int]:
    from scipy.stats import binom

    lo = int(binom.ppf(alpha / 2, n, q))
    while lo >= 0 and binom.cdf(lo, n, q) > alpha / 2:
        lo -= 1
    hi = int(binom.isf(alpha / 2, n, q))
    while binom.sf(hi - 1, n, q) > alpha / 2:
        hi += 1
    return lo, hi


def _reject_prob(n: int, q: float, lo: int, hi: int) -> float:
    from scipy.stats import binom

    return float(binom.cdf(lo, n, q) + binom.sf(hi - 1, n, q))


def _power(n: int, q: float, delta: float, lo: int, hi: int) -> float:
    sides = [q + s * delta for s in (-1, 1) if 0.0 < q + s * delta < 1.0]
    return min(_reject_prob(n, alt, lo, hi) for alt in sides)


def design(p: float) -> BinomialDesign:
    """The keep-rate test at drop probability ``p`` (``train.unbiased``)."""
    return design_rate(1.0 - p)


@cache
def design_rate(q: float, alpha: float = ALPHA, delta: float = DELTA, power: float = POWER) -> BinomialDesign:
    """Smallest n meeting ``alpha`` and ``power`` for success rate ``q``, exactly."""
    from scipy.stats import norm

    def passes(n: int) -> bool:
        lo, hi = _critical(n, q, alpha)
        return _power(n, q, delta, lo, hi) >= power

    za, zb = norm.isf(alpha / 2), norm.isf(1 - power)
    sd0 = math.sqrt(q * (1 - q))
    sd1 = max(math.sqrt(a * (1 - a)) for a in (q - delta, q + delta) if 0 < a < 1)
    guess = max(16, int(((za * sd0 + zb * sd1) / delta) ** 2))
    failing, passing = guess // 2, guess  # bracket the smallest passing n, then bisect
    while passes(failing):
        failing //= 2
    while not passes(passing):
        passing = int(passing * 1.05) + 1
    while passing - failing > 1:
        mid = (failing + passing) // 2
        if passes(mid):
            passing = mid
        else:
            failing = mid
    n = passing
    lo, hi = _critical(n, q, alpha)
    return BinomialDesign(q, n, lo, hi, _reject_prob(n, q, lo, hi), _power(n, q, delta, lo, hi))


def binomial_pvalues(kept: int, n: int, keep: float) -> tuple[float, float]:
    """scipy's exact binomial test, one-sided each way: (P[K <= kept], P[K >= kept])."""
    from scipy.stats import binomtest

    less = binomtest(kept, n, keep, alternative="less").pvalue
    greater = binomtest(kept, n, keep, alternative="greater").pvalue
    return float(less), float(greater)


def same_mask_probability(p: float, n: int) -> float:
    """Chance that two independent Bernoulli masks of n entries coincide."""
    return (p * p + (1 - p) * (1 - p)) ** n


def size_for_distinct_masks(p: float, rare: float = RARE) -> int:
    """Smallest n with two independent masks coinciding with probability <= ``rare``."""
    return math.ceil(math.log(rare) / math.log(p * p + (1 - p) * (1 - p)))


def all_dropped_count(p: float, rare: float = RARE) -> int:
    """Smallest n with all n entries dropped with probability p**n <= ``rare``."""
    return math.ceil(math.log(rare) / math.log(p))


def constant_along_axis_probability(p: float, shape: tuple[int, ...], axis: int) -> float:
    """Chance that a correct mask of ``shape`` is constant along ``axis`` (looks broadcast)."""
    s = shape[axis]
    lines = math.prod(shape) // s
    return (p**s + (1 - p) ** s) ** lines
