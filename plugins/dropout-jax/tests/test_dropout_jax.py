"""The JAX adapter adds no arithmetic: its numbers are jitted Flax dropout's and jax.vjp's, bit for bit.

(Under jax.jit, XLA turns ``inputs / keep_prob`` into a multiplication by the reciprocal, so a
jitted dropout may differ from an eager one by an ulp; the adapter is what a jitted train step gets.)
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from dropout_jax import XFAILS, DropoutLayer
from flax import linen


@pytest.mark.parametrize("dtype", ["float16", "float32"])
@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_forward_and_backward_are_flaxs(p: float, dtype: str) -> None:
    x = np.random.default_rng(0).standard_normal((6, 7)).astype(dtype)
    g = np.random.default_rng(1).standard_normal((6, 7)).astype(dtype)
    _, sub = jax.random.split(jax.random.key(7))  # the adapter's first forward uses the first split

    def flax_dropout(inputs: jax.Array) -> jax.Array:
        return linen.Dropout(rate=p).apply({}, inputs, deterministic=False, rngs={"dropout": sub})

    expected = jax.jit(flax_dropout)(jnp.asarray(x))
    expected_grad = jax.jit(lambda inputs, ct: jax.vjp(flax_dropout, inputs)[1](ct)[0])(jnp.asarray(x), jnp.asarray(g))

    layer = DropoutLayer(p, key=7)
    out = layer.forward(x)
    dx = layer.backward(g)
    assert out.dtype == dx.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out, np.asarray(expected))
    np.testing.assert_array_equal(dx, np.asarray(expected_grad))
    np.testing.assert_array_equal(layer.backward(g), dx)


def test_a_fresh_key_every_forward_and_backward_follows_the_latest() -> None:
    layer = DropoutLayer(0.5, key=0)
    x = np.ones(256, dtype="float32")
    first = layer.forward(x) != 0
    second = layer.forward(x) != 0
    assert (first != second).any()
    np.testing.assert_array_equal(layer.backward(np.ones(256, dtype="float32")) != 0, second)


def test_default_key_comes_from_numpys_global_rng() -> None:
    x = np.ones(64, dtype="float32")
    np.random.seed(5)
    a = DropoutLayer(0.5).forward(x)
    np.random.seed(5)
    b = DropoutLayer(0.5).forward(x)
    np.testing.assert_array_equal(a, b)
    assert (DropoutLayer(0.5).forward(x) != a).any()  # the next layer draws another key


def test_inference_hands_back_the_input() -> None:
    x = np.arange(5.0, dtype="float32")
    layer = DropoutLayer(0.5)
    assert layer.forward(x, training=False) is x
    np.testing.assert_array_equal(layer.backward(np.full(5, 3.0, dtype="float32")), np.full(5, 3.0))


def test_float64_follows_jaxs_default_configuration() -> None:
    layer = DropoutLayer(0.5, key=1)
    out = layer.forward(np.ones(8))
    expected = np.float32 if not jax.config.jax_enable_x64 else np.float64  # listed: float32 by default
    assert out.dtype == expected and layer.backward(np.ones(8)).dtype == expected


def test_flax_does_not_validate_rate() -> None:
    for p in (-0.1, 1.0, float("nan"), float("inf")):
        DropoutLayer(p)  # listed in xfails.toml: nothing raises
    assert not DropoutLayer(1.0).forward(np.ones(8, dtype="float32")).any()


def test_backward_before_forward_raises() -> None:
    with pytest.raises(RuntimeError, match="before forward"):
        DropoutLayer(0.5).backward(np.ones(3))


def test_manifest_is_packaged() -> None:
    from pathlib import Path

    assert Path(XFAILS).is_file() and "dtype.preserved" in Path(XFAILS).read_text()
