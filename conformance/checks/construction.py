"""Checks of construction: which p a layer accepts and which it rejects with ValueError."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..implementation import ProcessFailure
from . import check
from .context import Context, call_failed, raised_by

VALID_P = (
    {"id": "int0", "p": "0"},
    {"id": "float0", "p": "0.0"},
    {"id": "float0.1", "p": "0.1"},
    {"id": "float0.5", "p": "0.5"},
    {"id": "float0.95", "p": "0.95"},
    {"id": "float0.999999", "p": "0.999999"},
    {"id": "below1", "p": "np.nextafter(1.0, 0.0)"},
    {"id": "np.float64", "p": "np.float64(0.3)"},
)
"""The statement's "float": Python floats, the int 0, and np.float64 (a subclass of float)."""

INVALID_P = (
    {"id": "negative", "p": "-0.1"},
    {"id": "tiny-negative", "p": "-1e-12"},
    {"id": "int1", "p": "1"},
    {"id": "float1", "p": "1.0"},
    {"id": "np.float64-1", "p": "np.float64(1.0)"},
    {"id": "above1", "p": "1.5"},
    {"id": "nan", "p": "float('nan')"},
    {"id": "inf", "p": "float('inf')"},
    {"id": "-inf", "p": "float('-inf')"},
)

NUMPY_VALID_P = (
    {"id": "np.float32", "p": "np.float32(0.25)"},
    {"id": "np.float32-0", "p": "np.float32(0.0)"},
    {"id": "np.float16", "p": "np.float16(0.5)"},
    {"id": "np.float16-0.999", "p": "np.float16(0.999)"},
)
NUMPY_INVALID_P = (
    {"id": "np.nan32", "p": "np.float32('nan')"},
    {"id": "np.float32-1", "p": "np.float32(1.0)"},
    {"id": "np.nan16", "p": "np.float16('nan')"},
)
"""init.numpy-p (SHOULD): numpy scalars the statement's "float" does not name."""


def _value(ctx: Context, expr: str) -> Any:
    return eval(expr, {"np": np})  # noqa: S307 - our own literal expressions


def _builds(ctx: Context, p: float) -> bool:
    try:
        ctx.impl.build(p)
    except Exception:  # noqa: BLE001
        return False
    return True


def _rejects(ctx: Context, p: float) -> bool:
    try:
        ctx.impl.build(p)
    except ValueError:
        return True
    except Exception:  # noqa: BLE001
        return False
    return False


def _built(ctx: Context, p: str, value: Any) -> Any:
    """The layer for ``value`` (written ``p``); failing to build it is the calling clause's failure."""
    ctx.record(f"layer = impl({p})")
    try:
        return ctx.impl.build(value)
    except Exception as exc:  # noqa: BLE001 - any exception is the implementation's
        got, raised = call_failed(f"impl({p})", exc)
        ctx.fail(got, f"a layer built for p={p}", raised=raised)


def _runs_forward(ctx: Context, built: Any, p: str, value: Any) -> None:
    """The layer's training forward runs on float64, float32 and float16 input. A forward that fails
    for the equivalent Python float p too is another clause's failure: blocked."""
    for dtype in ("float64", "float32", "float16"):
        x = ctx.array(ctx.signed_input((2, 4), dtype), name=f"x_{dtype}")
        ctx.record(f"out = layer.forward(x_{dtype})")
        try:
            built.forward(x)
        except Exception as exc:  # noqa: BLE001 - compared with a Python float p below
            try:
                ctx.impl.build(float(value)).forward(x)
            except Exception:  # noqa: BLE001
                ctx.block("train.output-shape", f"forward on {dtype} input raises for p={float(value)!r} too")
            ctx.fail(
                "forward raised an exception",
                f"a layer built with p={p} runs forward on {dtype} input, as it does with p={float(value)!r}",
                raised=raised_by(exc),
            )


def _rejected(ctx: Context, p: str, value: Any) -> None:
    """Building a layer for ``value`` (written ``p``) raises ValueError."""
    ctx.record(f"layer = impl({p})  # must raise ValueError")
    try:
        ctx.impl.build(value)
    except ValueError:
        return
    except ProcessFailure as exc:
        ctx.fail(f"impl({p}) failed: {exc}", f"ValueError for p={p}")
    except Exception as exc:  # noqa: BLE001
        ctx.fail("another exception", f"ValueError for p={p}", raised=raised_by(exc))
    ctx.fail("the layer was built without error", f"ValueError for p={p}")


@check("init.valid-p", VALID_P)
def accepts_valid_p(ctx: Context, p: str) -> None:
    """Every p in [0, 1) the statement's "float" names constructs, and the layer then runs, on a
    narrower input too (a float64 p with float16 x)."""
    value = _value(ctx, p)
    _runs_forward(ctx, _built(ctx, p, value), p, value)


@check("init.numpy-p", NUMPY_VALID_P)
def accepts_numpy_p(ctx: Context, p: str) -> None:
    """A valid p as a float32 or float16 scalar works as the same Python float does."""
    value = _value(ctx, p)
    if not _builds(ctx, float(value)):
        ctx.block("init.valid-p", f"impl({float(value)!r}), the same p as a Python float, fails too")
    _runs_forward(ctx, _built(ctx, p, value), p, value)


@check("init.invalid-p", INVALID_P)
def rejects_invalid_p(ctx: Context, p: str) -> None:
    """Out-of-range and non-finite p raise ValueError when the layer is built, not later."""
    _rejected(ctx, p, _value(ctx, p))


@check("init.numpy-p", NUMPY_INVALID_P)
def rejects_invalid_numpy_p(ctx: Context, p: str) -> None:
    """An invalid p as a float32 or float16 scalar is rejected as the same Python float is."""
    value = _value(ctx, p)
    if not _rejects(ctx, float(value)):
        ctx.block("init.invalid-p", f"impl({float(value)!r}), the same p as a Python float, is not rejected with ValueError")
    _rejected(ctx, p, value)
