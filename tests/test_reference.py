"""The reference's own promises beyond the suite: rng, dtypes, compact mask, clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from dropout_reference import DropoutLayer


def test_rng_seed_and_generator_make_masks_reproducible():
    x = np.ones((8, 8))
    a = DropoutLayer(0.5, rng=3).forward(x)
    b = DropoutLayer(0.5, rng=np.random.default_rng(3)).forward(x)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, DropoutLayer(0.5, rng=4).forward(x))


def test_rng_is_keyword_only():
    with pytest.raises(TypeError):
        DropoutLayer(0.5, 3)  # type: ignore[misc]


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_dtype_is_preserved_and_dropped_entries_are_exact_zeros(dtype):
    layer = DropoutLayer(0.3, rng=0)
    x = np.linspace(-2, 2, 200).astype(dtype)
    out = layer.forward(x)
    grad = layer.backward(np.ones_like(x))
    assert out.dtype == x.dtype and grad.dtype == x.dtype
    dropped = grad == 0
    assert dropped.any() and (out[dropped] == 0).all()
    assert np.all(np.signbit(out[dropped]) == False)  # noqa: E712 - +0.0, not -0.0


def test_mask_is_stored_as_bool():
    layer = DropoutLayer(0.5, rng=0)
    layer.forward(np.ones(1000))
    assert layer._keep is not None and layer._keep.dtype == np.bool_


def test_inference_returns_x_itself_and_backward_after_it_is_the_identity():
    layer = DropoutLayer(0.5, rng=0)
    x = np.arange(6.0)
    layer.forward(x)
    assert layer.forward(x, training=False) is x
    g = np.full(6, 3.0)
    assert np.array_equal(layer.backward(g), g)


@pytest.mark.parametrize("p", [-0.5, 1, 1.0, float("nan"), float("inf"), "0.5", None, True])
def test_invalid_p_raises_value_error_naming_it(p):
    with pytest.raises(ValueError, match="p"):
        DropoutLayer(p)  # type: ignore[arg-type]


def test_backward_before_forward_and_shape_mismatch_say_what_is_wrong():
    layer = DropoutLayer(0.5)
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.ones(3))
    layer.forward(np.ones(3))
    with pytest.raises(ValueError, match=r"shape \(4,\)"):
        layer.backward(np.ones(4))


def test_zero_d_and_empty_inputs():
    layer = DropoutLayer(0.5, rng=1)
    assert layer.forward(np.float64(2.0) * np.ones(())).shape == ()
    assert layer.forward(np.ones((0, 3))).shape == (0, 3)
