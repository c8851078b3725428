"""Property-based inputs: Hypothesis draws shapes and values, seeded from the check's seed.

Drawing is separated from running. For a given seed and dtype, Hypothesis's examples do not
depend on the layer as long as every example passes, so they are drawn once per process
(:func:`drawn_examples`) and replayed against every layer: a grader checking hundreds of
submissions pays for Hypothesis's engine once per case, not once per submission. When a replayed
example fails, the whole case is run again with Hypothesis live (:class:`ShrinkNeeded`), so the
failure is shrunk exactly as a plain Hypothesis run would shrink it.

Each example restarts the check's call record, so a failure's reproducer is the shrunk
example's own calls. A layer's mask is random, so a failure may not replay; Hypothesis then
reports it as flaky, and we report the original failure instead; when it finds several distinct
failures, the first of them (:func:`_first_cause`), never the group that holds them.
"""

from __future__ import annotations

import contextvars
import dataclasses
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Literal

import numpy as np

from .context import Blocked, ConformanceFailure, Context, group_members, leaves

MAX_EXAMPLES = 10

_LIVE: contextvars.ContextVar[bool] = contextvars.ContextVar("dropout_conformance_live_hypothesis", default=False)


class ShrinkNeeded(Exception):
    """A replayed example failed: run the case again with Hypothesis live, to shrink it."""

    def __init__(self, original: Exception) -> None:
        super().__init__(str(original))
        self.original = original


@contextmanager
def live_hypothesis() -> Iterator[None]:
    """Within this block, property checks run Hypothesis itself instead of replaying its examples."""
    token = _LIVE.set(True)
    try:
        yield
    finally:
        _LIVE.reset(token)


@contextmanager
def _seed_alone() -> Iterator[None]:
    """Hypothesis draws from its seed alone inside this block. Since 6.131 it also mixes in the
    literal constants of every "local" module in ``sys.modules`` (an editable install of the kit, an
    author's own package, whatever the process imported before), so the same seed drew different
    examples in two grader processes with different histories, and a seed printed in one place did
    not replay in another. Where Hypothesis has no such constants, nothing changes."""
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover - every supported Hypothesis has the module
        yield
        return
    original = getattr(providers, "_get_local_constants", None)
    cache = getattr(getattr(providers, "CONSTANTS_CACHE", None), "cache", None)
    if original is None or cache is None:
        yield
        return
    none = providers.Constants()
    cache.clear()  # values cached with another process's constants
    providers._get_local_constants = lambda: none
    try:
        yield
    finally:
        providers._get_local_constants = original
        cache.clear()


def _given_arrays(seed_value: int, dtype: str, test: Callable[[np.ndarray], None], zeros: bool = True) -> Callable[[], None]:
    """``test`` under Hypothesis: arrays of ``dtype``, rank 1 to 4, sides 1 to 6, seeded; values in
    [-1e3, 1e3], exact zeros among them unless ``zeros`` is False (then |value| >= 2**-10)."""
    from hypothesis import HealthCheck, Phase, given, seed, settings
    from hypothesis import strategies as hs
    from hypothesis.extra import numpy as hnp

    width: Literal[16, 32, 64] = {2: 16, 4: 32, 8: 64}[np.dtype(dtype).itemsize]  # type: ignore[assignment]

    def finite(low: float, high: float) -> hs.SearchStrategy[float]:
        return hs.floats(low, high, allow_nan=False, allow_infinity=False, allow_subnormal=False, width=width)

    if zeros:
        elements = hs.one_of(hs.just(0.0), finite(-1e3, 1e3))
    else:
        elements = hs.one_of(finite(2.0**-10, 1e3), finite(-1e3, -(2.0**-10)))
    arrays = hnp.arrays(dtype, hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=6), elements=elements)
    hypothesis_run: Callable[[], None] = seed(seed_value)(
        settings(
            max_examples=MAX_EXAMPLES,
            database=None,
            deadline=None,
            derandomize=False,
            print_blob=False,
            phases=(Phase.generate, Phase.shrink),
            suppress_health_check=list(HealthCheck),
        )(given(arrays)(test))
    )

    def run() -> None:
        with _seed_alone():
            hypothesis_run()

    return run


def expression(x: np.ndarray, dtype: str) -> str:
    """The literal that rebuilds ``x`` (it is also the reproducer's line)."""
    return f"np.array({x.tolist()!r}, dtype='{dtype}')"


@functools.lru_cache(maxsize=256)
def drawn_examples(seed_value: int, dtype: str, zeros: bool = True) -> tuple[str, ...]:
    """The examples Hypothesis generates for this seed and dtype when every one passes."""
    exprs: list[str] = []
    _given_arrays(seed_value, dtype, lambda x: exprs.append(expression(x, dtype)), zeros)()
    return tuple(exprs)


def _begin_example(ctx: Context) -> None:
    """A fresh call record and the check's seed in both global generators, replayed or live alike
    (live, Hypothesis seeds ``random`` with 0 around each example; this seeds over it)."""
    ctx.restart()
    ctx.generators = ctx.impl.reseed(ctx.seed)


def for_all_inputs(ctx: Context, prop: Callable[[Context, str], None], dtype: str, *, zeros: bool = True) -> None:
    """Run ``prop(ctx, x_expr)`` on Hypothesis-drawn arrays of ``dtype`` (rank 1 to 4), with exact
    zeros among the values unless ``zeros`` is False."""
    if not _LIVE.get():
        for expr in drawn_examples(ctx.seed, dtype, zeros):
            _begin_example(ctx)
            try:
                prop(ctx, expr)
            except Exception as exc:  # noqa: BLE001 - any failure is shrunk by a live run
                raise ShrinkNeeded(exc) from None
        return

    def test(x: np.ndarray) -> None:
        _begin_example(ctx)
        prop(ctx, expression(x, dtype))

    try:
        _given_arrays(ctx.seed, dtype, test, zeros)()
    except Exception as exc:
        cause = _first_cause(exc)
        if cause is exc:
            raise
        raise cause from None


def _first_cause(exc: Exception) -> BaseException:
    """What a live run reports when Hypothesis raised ``exc``: for an exception group (several
    distinct failures, or a flaky one), the first failure of the clause inside it, else its first
    leaf, never the group itself; any other exception as it is."""
    if not group_members(exc):
        return exc
    found = leaves(exc)
    ours = [e for e in found if isinstance(e, (ConformanceFailure, Blocked))]
    if not ours:
        return found[0]
    first = ours[0]
    if len(found) > 1:
        note = f"(Hypothesis found {len(found)} distinct failures; this is the first of them)"
        first.failure = dataclasses.replace(first.failure, evidence=(*first.failure.evidence, note))
    return first

