"""Checks of the backward pass: it needs a forward, reuses that forward's mask, is repeatable
and belongs to its own layer."""

from __future__ import annotations

import numpy as np

from .. import statistics as st
from ..results import RETURNED
from . import check
from .assertions import assert_array_of_shape, assert_masked, assert_zero_or_scaled, mismatches, plain
from .context import Context, LayerHandle, raised_by, shape_problem, type_name

REUSE_PARAMS = tuple({"p": p, "dtype": d} for p in st.UNBIASED_P for d in ("float64", "float32"))


@check("back.before-forward", ({"p": 0.5}, {"p": 0.0}))
def before_forward_raises(ctx: Context, p: float) -> None:
    """With no forward there is no mask; backward must say so by raising.

    Another layer runs a forward of the same shape first, so a mask shared between instances
    cannot stand in for this layer's missing one."""
    ctx.construct(p, name="other").forward(ctx.array(ctx.positive_input((3, 4)), name="x_other"), out="out_other")
    layer = ctx.construct(p)
    g = ctx.array(ctx.signed_input((3, 4)), name="grad")
    ctx.record("dx = layer.backward(grad)  # must raise: forward was never called")
    try:
        result = layer.layer.backward(g)
    except Exception:  # noqa: BLE001 - any exception type satisfies the MUST clause
        return
    ctx.fail(f"returned {RETURNED}", "an exception, as forward was never called", returned_type=type_name(result))


def revealed_mask(ctx: Context, layer: LayerHandle, shape: tuple[int, ...], dtype: str, p: float, mask_from: str) -> np.ndarray:
    """backward(g) = g * m / (1-p) for a g with no zeros exposes the stored mask m, wherever x was 0 too."""
    g = ctx.array(ctx.positive_input(shape, dtype), name="g_probe")
    before = plain(g)
    return assert_zero_or_scaled(ctx, layer.backward(g, out="dx_probe"), before, p, f"backward(g_probe) after {mask_from}")


def kept_by(out: object) -> np.ndarray:
    """Where a forward kept its input (meaningful only where the input was not 0)."""
    return plain(out) != 0


def reuse_zeros(p: float) -> int:
    """How many exact zeros x needs: all of them dropped by a correct layer is a RARE event,
    and twice as many non-zeros make a stale mask differ from the latest one just as surely."""
    return max(st.all_dropped_count(p), st.size_for_distinct_masks(p) // 2 + 1)


@check("back.mask-reuse", REUSE_PARAMS, chance=lambda p, dtype: p ** reuse_zeros(p))
def mask_reuse(ctx: Context, p: float, dtype: str) -> None:
    """backward(grad) = grad * m / (1-p) for the mask m of the latest training forward."""
    zeros = reuse_zeros(p)
    shape = (3 * zeros,)  # signed_input zeroes every third entry: `zeros` zeros, twice as many non-zeros
    layer = ctx.construct(p)
    expr = ctx.signed_input(shape, dtype)
    layer.forward(ctx.array(expr, name="x1"), out="out1")
    x = ctx.array(expr)  # the same values, a fresh array: a forward that scales x in place is no MUST matter
    x_before = plain(x)
    out = layer.forward(x, out="out2")
    kept = kept_by(out)
    mask = revealed_mask(ctx, layer, shape, dtype, p, "the latest forward")
    nonzero = x_before != 0
    differ = nonzero & (mask != kept)
    if differ.any():
        idx = np.flatnonzero(differ)[:5].tolist()
        ctx.fail(
            f"backward's mask differs from out2's at {int(differ.sum())} of {int(nonzero.sum())} "
            f"positions where x != 0 (first: {idx}); a mask from an earlier forward, a new mask, or none",
            "backward to use the mask of the latest forward (out2)",
        )
    if not mask[~nonzero].any():
        ctx.fail(
            "zero gradient at every position where x == 0: the mask is inferred from "
            "forward's output (out != 0) instead of being stored",
            f"where x == 0 the gradient still flows where the mask kept the element "
            f"(all {zeros} such positions dropped has probability p**{zeros} <= {st.RARE:g})",
        )
    g = ctx.array(ctx.signed_input(shape, dtype, zeros=False), name="grad")
    g_before = plain(g)
    assert_masked(ctx, layer.backward(g), g_before, mask, p, "backward(grad)", "the latest forward")


WROTE_TO_GRAD = "; backward wrote to grad, so the second call scaled it again"


@check("back.repeatable", tuple({"p": p} for p in (0.2, 0.5)))
def repeatable(ctx: Context, p: float) -> None:
    """Two backward calls with the very same grad array give the same gradient, as a user's loop
    sees it: a backward that scales grad in place returns 2g, then 4g."""
    layer = ctx.construct(p)
    x = ctx.array(ctx.signed_input((32, 32)))
    layer.forward(x)
    g = ctx.array(ctx.signed_input((32, 32), zeros=False), name="grad")
    g_before = plain(g)
    first = assert_array_of_shape(ctx, layer.backward(g, out="dx1"), g.shape, "backward(grad)")
    second = assert_array_of_shape(ctx, layer.backward(g, out="dx2"), g.shape, "the second backward(grad)")
    if not np.array_equal(first, second, equal_nan=True):
        differ = ~((first == second) | (np.isnan(first) & np.isnan(second)))
        ctx.fail(
            "the two results differ" + (WROTE_TO_GRAD if not np.array_equal(g, g_before) else ""),
            "backward(grad) twice, on the same array, gives the same result",
            mismatches(differ, {"dx1": first, "dx2": second}),
        )


@check(
    "back.instance-isolation",
    tuple({"p": p} for p in (0.2, 0.5)),
    chance=lambda p: st.same_mask_probability(p, st.size_for_distinct_masks(p)),
)
def instance_isolation(ctx: Context, p: float) -> None:
    """Each layer keeps its own mask; two new layers do not draw the same one."""
    n = st.size_for_distinct_masks(p)
    a = ctx.construct(p, name="a")
    b = ctx.construct(p, name="b")
    expr = ctx.positive_input(ctx.shape_of_size(n))
    kept_a = kept_by(a.forward(ctx.array(expr, name="xa"), out="out_a"))
    kept_b = kept_by(b.forward(ctx.array(expr, name="xb"), out="out_b"))
    shape = kept_a.shape
    if (kept_a == kept_b).all():
        ctx.fail(
            "both layers dropped exactly the same positions",
            f"two layers draw independent masks (equal with probability {st.same_mask_probability(p, n):.1e})",
        )
    for handle, own, other_name, other in ((a, kept_a, "b", kept_b), (b, kept_b, "a", kept_a)):
        probe = ctx.array(ctx.positive_input(shape), name="g_probe")
        result = handle.backward(probe, out="dx_probe")
        problem = shape_problem(result, shape)
        if problem:
            ctx.block("back.mask-reuse", f"{handle.name}.backward(g_probe) {problem[0]}", returned_type=problem[1])
        mask = plain(result) != 0
        if (mask == own).all():
            continue
        if (mask == other).all():
            ctx.fail(
                f"it uses {other_name}'s: the mask is shared (class attribute or module global), and "
                f"{other_name}'s forward overwrote it",
                f"{handle.name}.backward to use {handle.name}'s own mask",
            )
        ctx.block("back.mask-reuse", f"{handle.name}.backward uses neither layer's mask")


@check("back.before-forward-error")
def before_forward_error_is_real(ctx: Context) -> None:
    """The guard is a real exception, not an assert that vanishes under python -O."""
    layer = ctx.construct(0.5)
    g = ctx.array(ctx.signed_input((3, 4)), name="grad")
    ctx.record("dx = layer.backward(grad)  # must raise something other than AssertionError")
    try:
        layer.layer.backward(g)
    except AssertionError as exc:
        ctx.fail(
            "AssertionError; raise RuntimeError or ValueError instead",
            "an exception other than AssertionError (asserts vanish under python -O)",
            raised=raised_by(exc),
        )
    except Exception:  # noqa: BLE001
        return
    else:
        ctx.block("back.before-forward", "backward before forward returned instead of raising")
