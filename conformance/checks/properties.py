"""Property-based inputs: Hypothesis draws shapes and values, seeded from the check's seed.

Each example restarts the check's call record, so a failure's reproducer is the shrunk
example's own calls. A layer's mask is random, so a failure may not replay; Hypothesis then
reports it as flaky, and we report the original failure instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np

from .context import ConformanceFailure, Context

MAX_EXAMPLES = 10


def for_all_inputs(ctx: Context, prop: Callable[[Context, str], None], dtype: str) -> None:
    """Run ``prop(ctx, x_expr)`` on Hypothesis-drawn arrays of ``dtype`` (rank 1 to 4)."""
    from hypothesis import HealthCheck, Phase, given, seed, settings
    from hypothesis import errors as herrors
    from hypothesis import strategies as hs
    from hypothesis.extra import numpy as hnp

    width: Literal[16, 32, 64] = {2: 16, 4: 32, 8: 64}[np.dtype(dtype).itemsize]  # type: ignore[assignment]
    elements = hs.one_of(
        hs.just(0.0),
        hs.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, allow_subnormal=False, width=width),
    )
    arrays = hnp.arrays(dtype, hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=6), elements=elements)

    @seed(ctx.seed)
    @settings(
        max_examples=MAX_EXAMPLES,
        database=None,
        deadline=None,
        derandomize=False,
        print_blob=False,
        phases=(Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
    )
    @given(arrays)
    def run(x: np.ndarray) -> None:
        ctx.restart()
        np.random.seed(ctx.seed)
        prop(ctx, f"np.array({x.tolist()!r}, dtype='{dtype}')")

    try:
        run()
    except herrors.Flaky as exc:
        inner = [e for e in getattr(exc, "exceptions", ()) if isinstance(e, ConformanceFailure)]
        if inner:
            raise inner[0] from None
        raise
