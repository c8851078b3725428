"""Checks of inference mode and of the ``training`` flag itself."""

from __future__ import annotations

from . import check
from .assertions import assert_same_values, assert_unchanged, plain
from .context import Context

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
                f"expected: {call} to train and drop about half of {x.size} elements at p=0.5 "
                f"(keeping all has probability 2**-{x.size})\ngot: nothing dropped"
            )
