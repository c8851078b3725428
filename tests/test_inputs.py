"""The check inputs cache and the sandbox's mutation test: speed-ups that must not change what a check sees."""

from __future__ import annotations

import numpy as np
import pytest

from dropout_conformance.checks.context import evaluate
from dropout_conformance.sandbox.child import _changed

EXPRESSIONS = [
    "(1.0 + np.random.default_rng(5).random((64, 64))).astype('float32')",
    "np.asfortranarray(np.arange(1, 61.0).reshape(5, 12))",
    "np.arange(1, 241.0)[::3]",
    "np.array(2.5)",
    "np.ones((0, 3))",
]


@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_an_input_is_rebuilt_alike_and_never_shared(expr: str) -> None:
    fresh = np.asarray(eval(expr, {"np": np}))  # noqa: S307 - the test's own literal expressions
    first = evaluate(expr)
    first[...] = -7  # a layer writing to its input must not poison the next check's input
    second = evaluate(expr)
    assert second is not first and not np.shares_memory(first, second)
    assert (second.dtype, second.shape, second.strides) == (fresh.dtype, fresh.shape, fresh.strides)
    np.testing.assert_array_equal(second, fresh)


def test_the_cache_keeps_within_its_byte_budget() -> None:
    for seed in range(12):  # 12 x 8 MB: more than the 64 MB budget
        evaluate(f"np.random.default_rng({seed}).random((1024, 1024))")
    assert evaluate.bytes <= evaluate.BUDGET
    assert sum(v.nbytes for v in evaluate.values.values()) == evaluate.bytes


@pytest.mark.parametrize(
    ("before", "write", "changed"),
    [
        (np.arange(6.0).reshape(2, 3), lambda a: None, False),
        (np.arange(6.0).reshape(2, 3), lambda a: a.__setitem__((1, 2), 0.5), True),
        (np.array([np.nan, 1.0]), lambda a: None, False),
        (np.array([np.nan, 1.0]), lambda a: a.__setitem__(0, -np.nan), True),
        (np.asfortranarray(np.arange(6.0).reshape(2, 3)), lambda a: a.__setitem__((0, 1), 9.0), True),
        (np.asfortranarray(np.arange(6.0).reshape(2, 3)), lambda a: None, False),
        (np.array(3.0), lambda a: a.__setitem__((), 4.0), True),
        (np.array(3.0), lambda a: None, False),
        (np.arange(6.0), lambda a: setattr(a, "shape", (2, 3)), True),
    ],
)
def test_an_input_write_is_seen_bytewise(before: np.ndarray, write: object, changed: bool) -> None:
    given = before.copy(order="K")
    write(given)  # type: ignore[operator]
    assert _changed(given, before) is changed
