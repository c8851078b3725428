"""Checks of construction: which p a layer accepts and which it rejects with ValueError."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..implementation import ProcessFailure
from . import check
from .context import Context, raised_by

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


def _value(ctx: Context, expr: str) -> Any:
    import numpy as np

    return eval(expr, {"np": np})  # noqa: S307 - our own literal expressions


@check("init.valid-p", VALID_P)
def accepts_valid_p(ctx: Context, p: str) -> None:
    """Every p in [0, 1) constructs, whatever numeric type carries it, and the layer then runs.

    A numpy-scalar p must not break forward on a narrower input (a float64 p with float16 x). A
    forward that fails for the equivalent Python float p too is another clause's failure: blocked."""
    value = _value(ctx, p)
    layer = ctx.construct(value, owner=True)
    for dtype in ("float64", "float32", "float16"):
        x = ctx.array(f"np.ones((2, 4), dtype='{dtype}')", name=f"x_{dtype}")
        ctx.record(f"out = layer.forward(x_{dtype})")
        try:
            layer.layer.forward(x)
        except Exception as exc:  # noqa: BLE001 - compared with a Python float p below
            try:
                ctx.impl.build(float(value)).forward(np.ones((2, 4), dtype=dtype))
            except Exception:  # noqa: BLE001
                ctx.block("train.output-shape", f"forward on {dtype} input raises for p={float(value)!r} too")
            ctx.fail(
                "forward raised an exception",
                f"a layer built with p={p} runs forward on {dtype} input, as it does with p={float(value)!r}",
                raised=raised_by(exc),
            )


@check("init.invalid-p", INVALID_P)
def rejects_invalid_p(ctx: Context, p: str) -> None:
    """Out-of-range and non-finite p raise ValueError when the layer is built, not later."""
    value = _value(ctx, p)
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
