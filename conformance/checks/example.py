"""The worked example of the problem statement, reproduced literally."""

from __future__ import annotations

import math

import numpy as np

from ..statistics import RARE
from . import check
from .assertions import assert_masked, assert_zero_or_scaled, plain
from .context import Context

TARGET = np.array([True, False, True, False])
ATTEMPTS = math.ceil(math.log(RARE) / math.log(15 / 16))  # mask [1,0,1,0] has chance 1/16 per call


@check("example.statement", chance=lambda: (15 / 16) ** ATTEMPTS)
def worked_example(ctx: Context) -> None:
    """Sample until the mask is [1, 0, 1, 0], then expect [2, 0, 6, 0] and [0.2, 0, 0.6, 0]."""
    layer = ctx.construct(0.5)
    for _ in range(ATTEMPTS):
        ctx.restart()
        ctx.record("layer = impl(0.5)  # forward repeated until the mask is [1, 0, 1, 0]")
        x = ctx.array("np.array([1.0, 2.0, 3.0, 4.0])")
        x_before = plain(x)
        kept = assert_zero_or_scaled(ctx, layer.forward(x), x_before, 0.5, "forward([1, 2, 3, 4])")
        if (kept == TARGET).all():
            grad = ctx.array("np.array([0.1, 0.2, 0.3, 0.4])", name="grad")
            grad_before = plain(grad)
            dx = layer.backward(grad)
            assert_masked(ctx, dx, grad_before, TARGET, 0.5, "backward([0.1, 0.2, 0.3, 0.4])", "forward, [1, 0, 1, 0]")
            return
    ctx.fail(
        "never sampled",
        f"the mask [1, 0, 1, 0] within {ATTEMPTS} forward calls at p=0.5 (a correct "
        f"layer misses it with probability (15/16)**{ATTEMPTS} <= {RARE:g})",
    )
