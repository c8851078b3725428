"""Checks of construction: which p a layer accepts and which it rejects with ValueError."""

from __future__ import annotations

from . import check
from .context import Context, describe_exception

VALID_P = (
    {"id": "int0", "p": "0"},
    {"id": "float0", "p": "0.0"},
    {"id": "float0.1", "p": "0.1"},
    {"id": "float0.5", "p": "0.5"},
    {"id": "float0.95", "p": "0.95"},
    {"id": "float0.999999", "p": "0.999999"},
    {"id": "below1", "p": "np.nextafter(1.0, 0.0)"},
    {"id": "np.float64", "p": "np.float64(0.3)"},
    {"id": "np.float32", "p": "np.float32(0.25)"},
    {"id": "np.float16", "p": "np.float16(0.5)"},
)

INVALID_P = (
    {"id": "negative", "p": "-0.1"},
    {"id": "tiny-negative", "p": "-1e-12"},
    {"id": "int1", "p": "1"},
    {"id": "float1", "p": "1.0"},
    {"id": "np.float64-1", "p": "np.float64(1.0)"},
    {"id": "above1", "p": "1.5"},
    {"id": "nan", "p": "float('nan')"},
    {"id": "np.nan32", "p": "np.float32('nan')"},
    {"id": "inf", "p": "float('inf')"},
    {"id": "-inf", "p": "float('-inf')"},
)


def _value(ctx: Context, expr: str) -> object:
    import numpy as np

    return eval(expr, {"np": np})  # noqa: S307 - our own literal expressions


@check("init.valid-p", VALID_P)
def accepts_valid_p(ctx: Context, p: str) -> None:
    """Every p in [0, 1) constructs, whatever numeric type carries it."""
    ctx.construct(_value(ctx, p), owner=True)


@check("init.invalid-p", INVALID_P)
def rejects_invalid_p(ctx: Context, p: str) -> None:
    """Out-of-range and non-finite p raise ValueError when the layer is built, not later."""
    value = _value(ctx, p)
    ctx.record(f"layer = impl({p})  # must raise ValueError")
    try:
        ctx.factory(value)
    except ValueError:
        return
    except Exception as exc:  # noqa: BLE001
        ctx.fail(f"expected: ValueError for p={p}\ngot: {describe_exception(exc)}")
    ctx.fail(f"expected: ValueError for p={p}\ngot: the layer was built without error")
