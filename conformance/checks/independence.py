"""``train.independent`` (SHOULD): mask entries are i.i.d. Bernoulli(1-p).

Two exact tests, each failing a correct layer with probability at most ALPHA:

- *dispersion*: the kept count of a unit (a call, a row, a column) of m entries is
  Binomial(m, 1-p). The number N of units whose count lands in a central window of probability
  pi is then Binomial(k, pi) exactly, and an exact two-sided binomial test on N catches counts
  that vary too little ("exactly round(p*m) dropped": N = k) or too much.
- *pair agreement*: disjoint pairs of entries at a given offset agree (both kept or both dropped)
  with probability p**2 + (1-p)**2 when independent; the exact binomial test of the agreement
  count, sized like ``train.unbiased``, detects a change of DELTA in that rate with power POWER.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np

from .. import statistics as st
from . import check
from .assertions import assert_array_of_shape
from .context import Context

COLS = 1024
UNIT = 1024
DISPERSION_P = (0.2, 0.5, 0.8)
PAIR_P = (0.2, 0.5)


@cache
def dispersion_design(p: float, m: int = UNIT) -> tuple[int, int, float, int]:
    """(window low, window high, pi, units k): k units make 'all in the window' an ALPHA/2 event."""
    from scipy.stats import binom

    q = 1.0 - p
    centre = round(m * q)
    half = 0
    while True:
        lo, hi = centre - half, centre + half
        pi = float(binom.cdf(hi, m, q) - binom.cdf(lo - 1, m, q))
        if pi >= 0.5:
            break
        half += 1
    k = math.ceil(math.log(st.ALPHA / 2) / math.log(pi)) + 8
    return lo, hi, pi, k


def dispersion_size(p: float) -> float:
    """Exact false-failure probability of the dispersion test."""
    from scipy.stats import binom

    _, _, pi, k = dispersion_design(p)
    lower, upper = st._critical(k, pi, st.ALPHA)
    return float(binom.cdf(lower, k, pi) + binom.sf(upper - 1, k, pi))


@check(
    "train.independent",
    tuple({"id": f"count-per-{unit}", "p": p, "unit": unit} for unit in ("call", "row", "column") for p in DISPERSION_P),
    chance=lambda p, unit: dispersion_size(p),
)
def count_dispersion(ctx: Context, p: float, unit: str) -> None:
    """Kept counts per call / row / column spread like Binomial(m, 1-p): not fixed, not overdispersed."""
    lo, hi, pi, k = dispersion_design(p)
    layer = ctx.construct(p)
    if unit == "call":
        counts = []
        for i in range(k):
            x = ctx.array(ctx.positive_input((UNIT,)), name=f"x{i}")
            counts.append(int(np.count_nonzero(assert_array_of_shape(ctx, layer.forward(x, out=f"out{i}"), x.shape, "forward(x)"))))
    else:
        shape = (k, UNIT) if unit == "row" else (UNIT, k)
        x = ctx.array(ctx.positive_input(shape))
        kept = assert_array_of_shape(ctx, layer.forward(x), shape, "forward(x)") != 0
        counts = kept.sum(axis=1 if unit == "row" else 0).tolist()
    inside = sum(lo <= c <= hi for c in counts)
    less, greater = st.binomial_pvalues(inside, k, pi)
    if min(less, greater) <= st.ALPHA / 2:
        kind = "too alike (a fixed number dropped?)" if greater <= st.ALPHA / 2 else "too spread out"
        ctx.fail(
            f"{inside} of {k} {unit}s in the window: counts are {kind}; first counts {counts[:8]}",
            f"kept counts per {unit} of {UNIT} entries distributed as Binomial({UNIT}, {1 - p:g}); "
            f"each lands in [{lo}, {hi}] with probability {pi:.3f}, so about {pi * k:.0f} of {k} {unit}s do "
            f"(exact binomial test at {st.ALPHA:g})",
        )


def pairs(kept: np.ndarray, offset: str) -> tuple[np.ndarray, np.ndarray]:
    """Disjoint pairs of mask entries at the given offset; independent under a correct layer."""
    if offset == "adjacent":
        return kept[:, 0::2], kept[:, 1::2]
    if offset == "row":
        return kept[0::2, :], kept[1::2, :]
    flat = kept.reshape(-1, 128)  # lag 64: entry i of each block of 128 with entry i + 64
    return flat[:, :64], flat[:, 64:]


def agreement_rate(p: float) -> float:
    return p * p + (1 - p) * (1 - p)


@check(
    "train.independent",
    tuple({"id": f"pairs-{offset}", "p": p, "offset": offset} for offset in ("adjacent", "row", "lag64") for p in PAIR_P),
    chance=lambda p, offset: st.design_rate(agreement_rate(p)).size,
)
def pair_agreement(ctx: Context, p: float, offset: str) -> None:
    """Neighbouring, row-adjacent and lag-64 entries agree as often as independent ones would."""
    d = st.design_rate(agreement_rate(p))
    rows_per_call = 512
    pairs_per_call = rows_per_call * COLS // 2
    calls = math.ceil(d.n / pairs_per_call)
    layer = ctx.construct(p)
    agree = total = 0
    for i in range(calls):
        x = ctx.array(ctx.positive_input((rows_per_call, COLS)), name=f"x{i}")
        kept = assert_array_of_shape(ctx, layer.forward(x, out=f"out{i}"), x.shape, "forward(x)") != 0
        a, b = pairs(kept, offset)
        take = min(a.size, d.n - total)
        agree += int((a.ravel()[:take] == b.ravel()[:take]).sum())
        total += take
        ctx.check_time(total, d.n)
    if d.rejects(agree):
        ctx.fail(
            f"{agree} of {d.n} pairs agree, rate {agree / d.n:.5f}: the mask is correlated at this offset",
            f"{offset} pairs of mask entries agree (both kept or both dropped) with probability "
            f"p**2 + (1-p)**2 = {d.rate:g}, as independent entries do (exact binomial test, false failure "
            f"{d.size:.1e})",
        )
