"""The torch adapter adds no arithmetic: its numbers are torch's, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from dropout_torch import XFAILS, DropoutLayer


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_forward_and_backward_are_torchs(p: float, dtype: str) -> None:
    x = np.random.default_rng(0).standard_normal((6, 7)).astype(dtype)
    g = np.random.default_rng(1).standard_normal((6, 7)).astype(dtype)
    torch.manual_seed(123)
    t = torch.from_numpy(x.copy()).requires_grad_(True)
    expected = torch.nn.functional.dropout(t, p, training=True)
    (expected_grad,) = torch.autograd.grad(expected, t, torch.from_numpy(g.copy()))

    torch.manual_seed(123)
    layer = DropoutLayer(p)
    out = layer.forward(x)
    dx = layer.backward(g)
    assert out.dtype == dx.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out, expected.detach().numpy())
    np.testing.assert_array_equal(dx, expected_grad.numpy())
    np.testing.assert_array_equal(layer.backward(g), dx)  # the graph is kept: backward repeats


def test_each_forward_draws_a_new_mask_and_backward_follows_the_latest() -> None:
    layer = DropoutLayer(0.5)
    x = np.ones(256)
    first = layer.forward(x) != 0
    second = layer.forward(x) != 0
    assert (first != second).any()
    np.testing.assert_array_equal(layer.backward(np.ones(256)) != 0, second)


def test_inference_and_p_zero_hand_back_the_input() -> None:
    x = np.arange(5.0)
    layer = DropoutLayer(0.5)
    assert layer.forward(x, training=False) is x
    np.testing.assert_array_equal(layer.backward(np.full(5, 3.0)), np.full(5, 3.0))
    assert DropoutLayer(0).forward(x) is x


def test_views_and_zero_d() -> None:
    layer = DropoutLayer(0.5)
    v = np.arange(1, 81.0).reshape(8, 10)[::-1, ::-2]  # negative strides: torch.from_numpy refuses those
    out = layer.forward(v)
    assert out.shape == v.shape and np.isin(out, [0.0]).sum() + np.isclose(out, 2 * v).sum() == v.size
    assert layer.forward(np.asarray(1.5)).shape == ()


def test_p_is_validated_by_torch() -> None:
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
        DropoutLayer(-0.1)
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
        DropoutLayer(float("inf"))
    assert not DropoutLayer(1.0).forward(np.ones(8)).any()  # listed: torch zeroes everything at p = 1
    layer = DropoutLayer(float("nan"))  # listed: built, then the kernel refuses it
    with pytest.raises(RuntimeError, match="dropout probability has to be between 0 and 1"):
        layer.forward(np.ones(3))


def test_backward_before_forward_raises() -> None:
    with pytest.raises(RuntimeError, match="before forward"):
        DropoutLayer(0.5).backward(np.ones(3))


def test_manifest_is_packaged() -> None:
    from pathlib import Path

    assert Path(XFAILS).is_file() and "init.invalid-p" in Path(XFAILS).read_text()
