"""Checks of the training forward: output shape, values, fresh and full masks, keep rate, p = 0."""

from __future__ import annotations

import numpy as np

from .. import statistics as st
from . import check
from .assertions import assert_array_of_shape, assert_masked, assert_unchanged, assert_zero_or_scaled, plain
from .context import Context, LayerHandle
from .properties import for_all_inputs

SHAPES = ((7,), (5, 6), (3, 4, 5), (2, 3, 4, 5))
DTYPES = ("float64", "float32", "float16")


@check("train.output-shape", tuple({"id": f"rank{len(s)}", "shape": s} for s in SHAPES))
def output_shape(ctx: Context, shape: tuple[int, ...]) -> None:
    """A training forward returns an ndarray of exactly x's shape."""
    layer = ctx.construct(0.5)
    x = ctx.array(ctx.signed_input(shape))
    assert_array_of_shape(ctx, layer.forward(x, shape_owner=True), shape, "forward(x)")


EXTREME_P = 0.99999
"""1/(1-p) = 1e5 is beyond float16's range: survivors overflow to inf, dropped entries stay exactly 0
(a scale computed in float16 makes them 0 * inf = NaN). Its inputs have no zeros: what a *kept* 0
becomes when the scale itself is inf (0 * inf is NaN in IEEE arithmetic) is left open by the spec
(docs/spec.md, ambiguity 11), and one element in 1e5 is kept, so a check could not see it reliably."""

EXTREME_SURVIVORS_SIZE = 6_000_000
"""Elements of the extra input at EXTREME_P, half (at random) in [0.1, 0.6), where x/(1-p) is a finite
float16, half in [0.7, 10), where it overflows: Hypothesis's small arrays almost never hold a survivor
at this p, this input surely does, in both halves (a correct layer keeps none of one half with
probability (1 - (1-p)/2)**6e6 = e**-30)."""


def _extreme_input(ctx: Context, dtype: str) -> np.ndarray:
    uniform = f"np.random.default_rng({ctx.seeded()}).random({ctx.shape_of_size(EXTREME_SURVIVORS_SIZE)}, dtype='float32')"
    return ctx.array(f"np.where((r := {uniform}) < 0.5, 0.1 + r, 0.7 + (r - 0.5) * 18.6).astype('{dtype}')")


def _forward_may_overflow(layer: LayerHandle, x: np.ndarray) -> object:
    """``layer.forward(x)`` where survivors beyond float16's range (at EXTREME_P) are inf: right, no warning due."""
    with np.errstate(over="ignore"):
        return layer.forward(x)


@check("train.values", tuple({"p": p, "dtype": d} for p in (*st.UNBIASED_P, EXTREME_P) for d in DTYPES))
def survivors_scaled(ctx: Context, p: float, dtype: str) -> None:
    """Every output element is 0 or x/(1-p), over Hypothesis-generated shapes and values."""

    layer = ctx.construct(p)  # one layer serves every example: a fresh mask per call is the layer's job

    def prop(layer_ctx: Context, x_expr: str) -> None:
        layer_ctx.record(f"layer = impl({p!r})")
        x = layer_ctx.array(x_expr)
        before = plain(x)
        assert_zero_or_scaled(layer_ctx, _forward_may_overflow(layer, x), before, p, "forward(x)")

    for_all_inputs(ctx, prop, dtype, zeros=p != EXTREME_P)
    if p == EXTREME_P and dtype == "float16":  # where 1/(1-p) overflows; the float32/64 cases need no more
        ctx.restart()  # the reproducer: this input alone, not the last Hypothesis example
        ctx.record(f"layer = impl({p!r})")
        x = _extreme_input(ctx, dtype)
        before = plain(x)
        assert_zero_or_scaled(ctx, _forward_may_overflow(layer, x), before, p, "forward(x)")


@check(
    "train.fresh-mask",
    tuple({"p": p} for p in (0.1, 0.5, 0.95)),
    chance=lambda p: st.same_mask_probability(p, st.size_for_distinct_masks(p)),
)
def fresh_mask(ctx: Context, p: float) -> None:
    """Two training calls on the same x drop different positions."""
    n = st.size_for_distinct_masks(p)
    layer = ctx.construct(p)
    expr = ctx.positive_input(ctx.shape_of_size(n))
    first = plain(layer.forward(ctx.array(expr))) != 0
    second = plain(layer.forward(ctx.array(expr, name="x2"), out="out2")) != 0
    if (first == second).all():
        ctx.fail(
            "both calls dropped exactly the same positions",
            f"a new mask on every training call (two correct masks of {n} entries "
            f"coincide with probability {st.same_mask_probability(p, n):.1e})",
        )


FULL_MASK_SHAPES = ((16, 24), (6, 8, 10), (4, 5, 6, 7))


@check(
    "train.full-mask",
    tuple({"id": f"rank{len(s)}", "p": p, "shape": s} for s in FULL_MASK_SHAPES for p in (0.2, 0.8)),
    chance=lambda p, shape: sum(st.constant_along_axis_probability(p, shape, a) for a in range(len(shape))),
)
def full_mask(ctx: Context, p: float, shape: tuple[int, ...]) -> None:
    """The mask is not constant along any axis, as a broadcast smaller mask would be."""
    layer = ctx.construct(p)
    x = ctx.array(ctx.positive_input(shape))
    kept = plain(layer.forward(x)) != 0
    for axis in range(len(shape)):
        chance = st.constant_along_axis_probability(p, shape, axis)
        assert chance <= st.RARE, f"kit design error: shape {shape} too small ({chance:.1e})"
        if (kept == kept.take([0], axis=axis)).all():
            ctx.fail(
                f"the mask is constant along axis {axis}: one smaller mask broadcast over it",
                f"a mask drawn per element of x, shape {shape} (a correct mask is "
                f"constant along axis {axis} with probability {chance:.1e})",
            )


@check("train.unbiased", tuple({"p": p} for p in st.UNBIASED_P), chance=lambda p: st.design(p).size)
def unbiased(ctx: Context, p: float) -> None:
    """The kept fraction is 1-p by scipy's exact binomial test (designed size and power).

    The d.n entries counted come from 8 calls on inputs of shapes and values drawn from the seed,
    so a layer cannot tell this check's inputs from any other (the last call's surplus is not counted)."""
    d = st.design(p)
    calls = 8
    layer = ctx.construct(p)
    kept = drawn = 0
    for i in range(calls):
        x = ctx.array(ctx.positive_input(ctx.shape_of_size(-(-(d.n - drawn) // (calls - i)))), name=f"x{i}")
        out = assert_array_of_shape(ctx, layer.forward(x, out=f"out{i}"), x.shape, "forward(x)")
        take = min(out.size, d.n - drawn)
        kept += int(np.count_nonzero(out.reshape(-1)[:take]))
        drawn += take
        ctx.check_time(drawn, d.n)
    if d.rejects(kept):
        less, greater = st.binomial_pvalues(kept, d.n, d.keep)
        rate = kept / d.n
        hint = ""
        if abs(rate - p) < 0.01 and abs(p - 0.5) > 0.02:
            note = ctx.impl.p_note
            hint = f" (it looks like p is used as the keep probability{'. ' + note if note else ''})"
        ctx.fail(
            f"{kept} of the first {d.n} elements kept over {calls} calls, fraction {rate:.5f}{hint}; "
            f"p-values {less:.3g} (fewer kept), {greater:.3g} (more kept)",
            f"a kept fraction near 1-p = {d.keep:g}; scipy.stats.binomtest, one-sided "
            f"at {st.ALPHA / 2:g} each way, rejects a correct layer with probability {d.size:.2e}",
        )


@check(
    "train.unbiased",
    ({"id": "overflow", "p": EXTREME_P, "dtype": "float16"},),
    chance=lambda p, dtype: 2 * (1 - (1 - p) / 2) ** EXTREME_SURVIVORS_SIZE,
)
def survivors_at_extreme_p(ctx: Context, p: float, dtype: str) -> None:
    """At p = 0.99999 about 1 element in 1e5 survives, in float16 too, where its x/(1-p) may overflow.

    An output of 0 cannot tell a dropped element from a survivor scaled to 0, so *none kept* among
    the 3 million of either half of the input is the failure: then E[forward(x)] = x cannot hold."""
    layer = ctx.construct(p)
    x = _extreme_input(ctx, dtype)
    before = plain(x)
    kept = assert_array_of_shape(ctx, _forward_may_overflow(layer, x), x.shape, "forward(x)") != 0
    for name, half in (("[0.1, 0.6)", before < 0.65), ("[0.7, 10)", before >= 0.65)):
        if not kept[half].any():
            ctx.fail(
                f"no element with x in {name} kept: all {int(half.sum())} of them are 0",
                f"about {(1 - p) * half.sum():.0f} of them kept and scaled to x/(1-p) (a correct layer keeps "
                f"none of them with probability {(1 - (1 - p) / 2) ** x.size:.0e}); a keep rate of 0 at p close "
                "to 1, or survivors scaled to 0, which look dropped",
            )


@check("train.p-zero", ({"id": "float", "p": 0.0}, {"id": "int", "p": 0}))
def p_zero_is_noop(ctx: Context, p: float) -> None:
    """p = 0 keeps every one of at least 2**20 elements unchanged, and backward is the identity."""
    layer = ctx.construct(p)
    x = ctx.array(ctx.positive_input(ctx.shape_of_size(2**20)))
    before = plain(x)
    kept = assert_zero_or_scaled(ctx, layer.forward(x), before, 0.0, "forward(x)")
    if not kept.all():
        ctx.fail(f"{int((~kept).sum())} of {x.size} elements dropped", "nothing dropped at p=0")
    layer.forward(ctx.array(ctx.positive_input((64, 64)), name="x2"), out="out2")  # backward on a small one
    g = ctx.array(ctx.signed_input((64, 64)), name="grad")
    g_before = plain(g)
    all_kept = np.ones(g.shape, dtype=bool)
    assert_masked(ctx, layer.backward(g), g_before, all_kept, 0.0, "backward(grad)", "a p=0 forward (all ones)")


@check("dtype.preserved", tuple({"p": 0.2, "dtype": d} for d in DTYPES))
def dtype_preserved(ctx: Context, p: float, dtype: str) -> None:
    """float16/32/64 in, the same dtype out of forward and backward."""
    layer = ctx.construct(p)
    x = ctx.array(ctx.signed_input((16, 16), dtype))
    out = assert_array_of_shape(ctx, layer.forward(x), x.shape, "forward(x)")
    g = ctx.array(ctx.signed_input((16, 16), dtype, zeros=False), name="grad")
    dx = assert_array_of_shape(ctx, layer.backward(g), g.shape, "backward(grad)")
    for what, got in (("forward(x)", out), ("backward(grad)", dx)):
        if got.dtype != np.dtype(dtype):
            ctx.fail(f"{got.dtype} (an upcast doubles memory)", f"{what} of dtype {dtype}, like its input")


@check("no-mutation", tuple({"p": p} for p in (0.0, 0.5)))
def inputs_not_modified(ctx: Context, p: float) -> None:
    """forward leaves x alone and backward leaves grad alone, in training and at inference."""
    layer = ctx.construct(p)
    x = ctx.array(ctx.signed_input((8, 8)))
    x_before = plain(x)
    layer.forward(x)
    assert_unchanged(ctx, x, x_before, "x, after a training forward(x)")
    g = ctx.array(ctx.signed_input((8, 8), zeros=False), name="grad")
    g_before = plain(g)
    layer.backward(g)
    assert_unchanged(ctx, g, g_before, "grad, after backward(grad)")
    layer.forward(x, training=False)
    assert_unchanged(ctx, x, x_before, "x, after forward(x, training=False)")


EDGE_INPUTS = (
    ("0-d", (), ""),
    ("empty", (0,), ""),
    ("empty-2d", (3, 0), ""),
    ("rank5", (2, 2, 2, 3, 4), ""),
    ("rank6", (2, 2, 2, 2, 2, 4), ""),
    ("transposed", (8, 15), ".T"),
    ("strided", (240,), "[::3]"),
    ("reversed", (8, 10), "[::-1, ::-2]"),
    ("fortran", (5, 12), ".T.copy().T"),
)
"""(name, shape of the array drawn, view taken of it): values and grads come from the case seed."""


@check("shape.edge-cases", tuple({"id": name, "p": 0.5, "shape": shape, "view": view} for name, shape, view in EDGE_INPUTS))
def edge_shapes(ctx: Context, p: float, shape: tuple[int, ...], view: str) -> None:
    """0-d, empty, high-rank and non-contiguous inputs give correct outputs and gradients."""
    layer = ctx.construct(p)
    x = ctx.array(f"{ctx.signed_input(shape, zeros=False)}{view}")
    x_before = plain(x)
    kept = assert_zero_or_scaled(ctx, layer.forward(x, shape_owner=True), x_before, p, "forward(x)")
    g = ctx.array(f"{ctx.signed_input(shape, zeros=False)}{view}", name="grad")
    g_before = plain(g)
    assert_masked(ctx, layer.backward(g), g_before, kept, p, "backward(grad)", "the forward on this input")
