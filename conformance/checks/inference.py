"""Checks of inference mode and of the ``training`` flag itself."""

from __future__ import annotations

import numpy as np

from .. import statistics as st
from ..results import RETURNED
from . import check
from .assertions import assert_array_of_shape, assert_masked, assert_same_values, assert_unchanged, plain
from .context import Context, type_name

IDENTITY_PARAMS = tuple({"p": p, "dtype": d} for p in (0.0, 0.5, 0.95) for d in ("float64", "float32", "float16"))


@check("infer.identity", IDENTITY_PARAMS)
def inference_is_identity(ctx: Context, p: float, dtype: str) -> None:
    """forward(x, training=False) returns x's values, shape and dtype, and leaves x alone."""
    layer = ctx.construct(p)
    x = ctx.array(ctx.signed_input((4, 5, 3), dtype))
    before = plain(x)
    out = layer.forward(x, training=False)
    assert_same_values(ctx, out, before, "forward(x, training=False)")
    assert_unchanged(ctx, x, before, "x")


@check("api.training-flag", chance=lambda: 3 * 0.5 ** (64 * 64))
def training_flag(ctx: Context) -> None:
    """training works by keyword and position; omitted, the layer trains (drops something)."""
    layer = ctx.construct(0.5)
    x = ctx.array(ctx.positive_input((64, 64)))
    before = plain(x)
    assert_same_values(ctx, layer.forward(x, False), before, "forward(x, False)")
    calls = (
        ("forward(x)", lambda: layer.forward(x)),
        ("forward(x, True)", lambda: layer.forward(x, True)),
        ("forward(x, training=True)", lambda: layer.forward(x, training=True)),
    )
    for call, run in calls:
        out = plain(run())
        if not (out == 0).any():
            ctx.fail(
                "nothing dropped",
                f"{call} to train and drop about half of {x.size} elements at p=0.5 "
                f"(keeping all has probability 2**-{x.size})",
            )


@check("infer.returns-input", tuple({"p": p} for p in (0.0, 0.5)))
def inference_returns_input(ctx: Context, p: float) -> None:
    """Inference costs nothing: forward(x, training=False) is x."""
    layer = ctx.construct(p)
    x = ctx.array(ctx.signed_input((4, 6)))
    out = layer.forward(x, training=False)
    if out is not x:
        ctx.fail(f"a {RETURNED} copy", "forward(x, training=False) is x (the same object)", returned_type=type_name(out))


@check(
    "lifecycle.inference",
    tuple({"p": p} for p in (0.2, 0.5)),
    chance=lambda p: (1 - p) ** (2 * st.size_for_distinct_masks(p)),
)
def inference_leaves_training_state(ctx: Context, p: float) -> None:
    """After an inference call, backward is the identity or raises; training afterwards is unaffected."""
    n = 2 * st.size_for_distinct_masks(p)
    layer = ctx.construct(p)
    expr = ctx.positive_input((n,))
    layer.forward(ctx.array(expr), out="out_train")
    layer.forward(ctx.array(expr, name="x_eval"), False, out="out_eval")
    g = ctx.array(ctx.signed_input((n,), zeros=False), name="grad")
    g_before = plain(g)
    ctx.record("dx = layer.backward(grad)  # may raise; must not apply the training mask")
    try:
        dx = layer.layer.backward(g)
    except Exception:  # noqa: BLE001 - raising is one of the two allowed behaviours
        dx = None
    if dx is not None:
        what = "backward(grad) after an inference forward"
        got = assert_array_of_shape(ctx, dx, g.shape, what)
        zeroed = int((got == 0).sum())  # grad has no zeros, so any zero is a mask at work
        if zeroed:
            ctx.fail(
                f"{zeroed} of {n} entries zeroed: a stale training mask was applied",
                "backward after an inference forward returns grad unchanged, or raises",
            )
        assert_masked(ctx, got, g_before, np.ones(g.shape, dtype=bool), 0.0, what, "no mask (inference is the identity)")
    out = plain(layer.forward(ctx.array(expr, name="x_again"), out="out_again"))
    if not (out == 0).any():
        ctx.fail(
            "nothing dropped: the inference call switched the layer to inference for good",
            "forward(x) after an inference call trains again (drops about "
            f"{p * n:.0f} of {n} entries; none dropped has probability {(1 - p) ** n:.0e})",
        )
    mask = plain(layer.backward(ctx.array(f"np.ones({n})", name="ones"), out="m_scaled")) != 0
    if not np.array_equal(mask, out != 0):
        ctx.fail("a different mask", "backward after the new training forward uses its mask")
