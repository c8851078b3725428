"""``assert_*`` helpers: dtype-aware float comparison with precise, clause-linked messages.

Every helper takes the check's :class:`~.context.Context`, hides its own frame from pytest
tracebacks, and fails through ``ctx.fail`` so the message carries the clause and a reproducer.
Floats are compared within ``ULPS`` units in the last place of the *coarser* of the input and
output dtypes, so ``x * (1/(1-p))`` and ``x / (1-p)`` both pass.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..results import RETURNED
from .context import Context, shape_problem, type_name

ULPS = 4
MAX_SHOWN = 5


def plain(value: Any) -> np.ndarray:
    """A private, plain-ndarray copy: no subclass, no shared memory, no lying ``__eq__``."""
    arr = np.array(value, copy=True, subok=False)
    if arr.dtype == object:
        raise TypeError("an object array")
    return arr


def coarser(*dtypes: np.dtype) -> np.dtype:
    """The float dtype with the largest machine epsilon among ``dtypes`` (ints count as float64)."""
    floats = [np.dtype(d) for d in dtypes if np.issubdtype(d, np.floating)] or [np.dtype(np.float64)]
    return max(floats, key=lambda d: np.finfo(d).eps)


def close_mask(got: np.ndarray, expected: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Elementwise: ``got`` within ULPS ulp of ``expected`` (float64) at ``dtype``'s precision; where
    ``expected`` is beyond ``dtype``'s range (x/(1-p) for p close to 1 in float16), an infinity of its sign."""
    info = np.finfo(dtype)
    wide = got.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        tol = np.abs(expected)
        tol *= ULPS * float(info.eps)
        tol += ULPS * float(info.smallest_subnormal)
        close = np.abs(wide - expected) <= tol
    beyond = np.abs(expected) > float(info.max)  # rounds to +-inf, or to +-max within the tolerance
    if beyond.any():
        close |= beyond & (np.abs(wide) >= float(info.max)) & (np.sign(wide) == np.sign(expected))
    return close


def mismatches(bad: np.ndarray, columns: dict[str, np.ndarray]) -> tuple[str, ...]:
    """Evidence lines: how many elements differ, and the first few with every column's value."""
    idx = np.argwhere(bad)
    rows = [f"  {bad.sum()} of {bad.size} elements differ; first {min(len(idx), MAX_SHOWN)}:"]
    for i in idx[:MAX_SHOWN]:
        where = tuple(int(k) for k in i)
        cells = ", ".join(f"{name}={col[where]!r}" for name, col in columns.items())
        rows.append(f"    index {where}: {cells}")
    return tuple(rows)


def assert_array_of_shape(ctx: Context, got: Any, shape: tuple[int, ...], what: str) -> np.ndarray:
    """``got`` is an ndarray of ``shape`` (a numpy scalar is fine for 0-d); return a plain copy."""
    __tracebackhide__ = True
    problem = shape_problem(got, shape)
    if problem:
        ctx.fail(f"{what} {problem[0]}", returned_type=problem[1])
    try:
        return plain(got)
    except TypeError as exc:
        ctx.fail(f"{what} returned {exc} built from {RETURNED}", "a numeric numpy.ndarray", returned_type=type_name(got))
    raise AssertionError("unreachable")  # pragma: no cover


def assert_zero_or_scaled(ctx: Context, got: Any, base: np.ndarray, p: float, what: str) -> np.ndarray:
    """Each element of ``got`` is exactly 0 or ``base/(1-p)``; return where it is not 0.

    ``base`` is our own copy of the input (x or grad) taken before the call.
    """
    __tracebackhide__ = True
    out = assert_array_of_shape(ctx, got, base.shape, what)
    dtype = coarser(base.dtype, out.dtype)
    kept = out != 0  # NaN included: it is compared, and is never close
    # only the elements that are not 0 are compared: at p close to 1 that is a few of millions
    close = close_mask(out[kept], base[kept].astype(np.float64) / (1.0 - p), dtype)
    if not close.all():
        bad = np.zeros(out.shape, dtype=bool)
        bad[kept] = ~close
        ctx.fail(
            "some elements are neither",
            f"every element of {what} exactly 0 or input/(1-p) = input * {1 / (1 - p):.17g} "
            f"(p={p!r}), within {ULPS} ulp of {dtype}",
            mismatches(bad, {"input": base, "got": out, "scaled": base.astype(np.float64) / (1.0 - p)}),
        )
    return kept


def assert_masked(
    ctx: Context, got: Any, base: np.ndarray, keep: np.ndarray, p: float, what: str, mask_from: str
) -> None:
    """``got`` equals ``base * keep / (1-p)``: exact zeros where dropped, scaled elsewhere."""
    __tracebackhide__ = True
    out = assert_array_of_shape(ctx, got, base.shape, what)
    expected = np.where(keep, base.astype(np.float64) / (1.0 - p), 0.0)
    dtype = coarser(base.dtype, out.dtype)
    good = np.where(keep, close_mask(out, expected, dtype), out == 0)
    if not good.all():
        ctx.fail(
            f"{int((~good).sum())} elements differ from input * m / (1-p)",
            f"{what} = input * m / (1-p) with m the mask of {mask_from} (p={p!r}), "
            f"exact 0 where m is 0, within {ULPS} ulp of {dtype} elsewhere",
            mismatches(~good, {"input": base, "m": keep.astype(np.int8), "got": out, "expected": expected}),
        )


Problem = tuple[str, str, tuple[str, ...], "str | None"]
"""A failure as data: (got, expected, evidence, the type the implementation returned)."""


def same_values_problem(got: Any, x: np.ndarray, what: str) -> Problem | None:
    """Why ``got`` is not ``x`` exactly in shape, dtype and every value (NaN where x has NaN), or None."""
    problem = shape_problem(got, x.shape)
    if problem:
        return f"{what} {problem[0]}", "", (), problem[1]
    try:
        out = plain(got)
    except TypeError as exc:
        return f"{what} returned {exc} built from {RETURNED}", "a numeric numpy.ndarray", (), type_name(got)
    if out.dtype != x.dtype:
        return f"dtype {out.dtype}", f"{what} of dtype {x.dtype}, like x", (), None
    bad = ~((out == x) | (np.isnan(out) & np.isnan(x)))
    if bad.any():
        return f"{int(bad.sum())} elements differ from x", f"{what} equal to x", mismatches(bad, {"x": x, "got": out}), None
    return None


def assert_same_values(ctx: Context, got: Any, x: np.ndarray, what: str) -> None:
    """``got`` equals ``x`` exactly in shape, dtype and every value."""
    __tracebackhide__ = True
    problem = same_values_problem(got, x, what)
    if problem:
        text, expected, evidence, returned = problem
        ctx.fail(text, expected, evidence, returned_type=returned)


def assert_unchanged(ctx: Context, arr: np.ndarray, before: np.ndarray, what: str) -> None:
    """The caller's array still holds the values it had before the call."""
    __tracebackhide__ = True
    if not np.array_equal(arr, before, equal_nan=True):
        ctx.fail(
            "it was written to",
            f"{what} left unmodified by the call",
            mismatches(~((arr == before) | (np.isnan(arr) & np.isnan(before))), {"before": before, "after": arr}),
        )
