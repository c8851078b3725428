"""Checks of inference mode and of the ``training`` flag itself."""

from __future__ import annotations

import numpy as np

from .. import statistics as st
from ..implementation import ProcessFailure
from ..results import RETURNED, Raised
from . import check
from .assertions import assert_array_of_shape, assert_masked, assert_same_values, assert_unchanged, plain, same_values_problem
from .context import Context, call_failed, type_name

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
    """Omitted, the flag trains (something is dropped); given, keyword and position agree.

    Agreement is read at inference, where a conforming layer returns x: the form that returns x
    is the honoured one. When neither form returns x (or both raise), inference itself is broken
    and this clause cannot be judged: blocked by infer.identity."""
    layer = ctx.construct(0.5)
    x = ctx.array(ctx.positive_input((64, 64)))
    before = plain(x)
    verdicts: dict[str, tuple[str, Raised | None]] = {}
    for call, args, kwargs in (("forward(x, False)", (False,), {}), ("forward(x, training=False)", (), {"training": False})):
        ctx.record(f"out = layer.{call}")
        try:
            verdicts[call] = _identity_problem(layer.layer.forward(x, *args, **kwargs), before), None
        except ProcessFailure as exc:  # the process is gone: nothing left to compare
            ctx.fail(call_failed(call, exc)[0])
        except Exception as exc:  # noqa: BLE001 - compared with the other form below
            verdicts[call] = call_failed(call, exc)
        if not np.array_equal(x, before, equal_nan=True):
            ctx.block("infer.identity", f"{call} wrote to x")
    calls = (
        ("forward(x)", lambda: layer.forward(x)),
        ("forward(x, True)", lambda: layer.forward(x, True)),
        ("forward(x, training=True)", lambda: layer.forward(x, training=True)),
    )
    for call, run in calls:
        out = plain(run())
        if not (out == 0).any():
            ctx.fail(
                "nothing dropped (after forward(x, False) and forward(x, training=False))",
                f"{call} to train and drop about half of {x.size} elements at p=0.5 "
                f"(keeping all has probability 2**-{x.size})",
            )
    problems = {call: verdict for call, verdict in verdicts.items() if verdict[0]}
    if len(problems) == 2:
        ctx.block("infer.identity", f"neither form returns x: {'; '.join(problem for problem, _ in problems.values())}")
    for call, (problem, raised) in problems.items():
        other = next(c for c in verdicts if c != call)
        ctx.fail(f"{call}: {problem}", f"{call} to mean what {other} means: inference, which returns x", raised=raised)


def _identity_problem(got: object, x: np.ndarray) -> str:
    """Why ``got`` is not x's values, shape and dtype, or "" (the kit's sentence)."""
    problem = same_values_problem(got, x, "it")
    if not problem:
        return ""
    text = f"{problem[0]} (expected {problem[1]})" if problem[1] else problem[0]
    return text.replace(RETURNED, "a value of another type")


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
    shape = ctx.shape_of_size(n)
    expr = ctx.positive_input(shape)
    layer.forward(ctx.array(expr), out="out_train")
    layer.forward(ctx.array(expr, name="x_eval"), False, out="out_eval")
    g = ctx.array(ctx.signed_input(shape, zeros=False), name="grad")
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
                f"{zeroed} of {g.size} entries zeroed: a stale training mask was applied",
                "backward after an inference forward returns grad unchanged, or raises",
            )
        assert_masked(ctx, got, g_before, np.ones(g.shape, dtype=bool), 0.0, what, "no mask (inference is the identity)")
    out = plain(layer.forward(ctx.array(expr, name="x_again"), out="out_again"))
    if not (out == 0).any():
        ctx.fail(
            "nothing dropped: the inference call switched the layer to inference for good",
            "forward(x) after an inference call trains again (drops about "
            f"{p * out.size:.0f} of {out.size} entries; none dropped has probability {(1 - p) ** out.size:.0e})",
        )
    mask = plain(layer.backward(ctx.array(ctx.positive_input(shape), name="g_probe"), out="dx_probe")) != 0
    if not np.array_equal(mask, out != 0):
        ctx.fail("a different mask", "backward after the new training forward uses its mask")
