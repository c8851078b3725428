"""JAX's dropout behind the dropout-conformance ``DropoutLayer`` interface.

JAX itself has no dropout function; its standard one is Flax's ``flax.linen.Dropout``, which
this adapter runs unchanged. numpy in, numpy out; everything in between is JAX's:

* forward applies ``flax.linen.Dropout(rate=p)`` (Flax does not check ``rate``), under
  ``jax.jit`` as a train step would (one compiled program per rate and shape; XLA then turns
  ``x / keep_prob`` into a multiplication by the reciprocal, which can differ from eager Flax by
  an ulp);
* randomness is explicit: the layer owns a ``jax.random`` key and *splits* it on every training
  forward, so each call draws a fresh mask from a key never used before. The first key is
  ``key=`` (a key or an int seed) or, by default, a seed drawn from numpy's global RNG, so
  ``np.random.seed`` replays a run (the conformance kit's reproducers rely on that);
* backward is ``jax.vjp`` of that same forward with that same key, i.e. the same mask (jitted
  too): JAX stores no mask, the key *is* the saved state;
* when Flax returns its input itself (at inference), the caller gets the very array it passed;
  otherwise a fresh writable numpy array;
* ``backward`` before any ``forward`` raises ``RuntimeError``.

**float64.** The adapter does not change JAX's configuration: with JAX's default
(``jax_enable_x64`` off) a float64 input is computed in float32 and comes back float32. Enable
x64 yourself (``jax.config.update("jax_enable_x64", True)``) and float64 stays float64; the
shipped manifest describes the default configuration.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from flax import linen

__all__ = ["DropoutLayer", "XFAILS"]

XFAILS = str(Path(__file__).with_name("xfails.toml"))
"""Where JAX/Flax depart from the spec (entry point group ``dropout_conformance.xfails``)."""


@functools.cache
def _compiled(rate_type: type, rate: Any) -> tuple[Callable[..., jax.Array], Callable[..., jax.Array]]:
    """The jitted training forward and its vjp for one rate (keyed by type too: JAX promotes a
    numpy-scalar rate differently from a Python float)."""
    module = linen.Dropout(rate=rate)

    def train(key: jax.Array, inputs: jax.Array) -> jax.Array:
        return module.apply({}, inputs, deterministic=False, rngs={"dropout": key})

    def grad(key: jax.Array, inputs: jax.Array, cotangent: jax.Array) -> jax.Array:
        _, vjp = jax.vjp(functools.partial(train, key), inputs)
        return vjp(cotangent)[0]

    return jax.jit(train), jax.jit(grad)


def _identity_vjp(module: linen.Dropout, inputs: jax.Array, cotangent: jax.Array) -> jax.Array:
    _, vjp = jax.vjp(lambda i: module.apply({}, i, deterministic=True), inputs)
    return vjp(cotangent)[0]


class DropoutLayer:
    """``flax.linen.Dropout(rate=p)`` over numpy arrays, with an explicit key split per forward."""

    def __init__(self, p: Any, *, key: Any = None) -> None:
        self.module = linen.Dropout(rate=p)
        if key is None:
            key = int(np.random.randint(0, 2**32, dtype=np.uint64))
        self._key = jax.random.key(key) if isinstance(key, int) else key
        self._saved: tuple[jax.Array | None, jax.Array] | None = None  # (key or None at inference, input) of the latest forward

    @property
    def p(self) -> Any:
        return self.module.rate

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        inputs = jnp.asarray(x)
        if not training:
            out = self.module.apply({}, inputs, deterministic=True)
            self._saved = (None, inputs)
        else:
            self._key, sub = jax.random.split(self._key)  # a key never used before, every call
            out = _compiled(type(self.p), self.p)[0](sub, inputs)
            self._saved = (sub, inputs)
        if out is inputs:  # Flax handed its input back untouched
            return x
        return np.array(out)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        if self._saved is None:
            raise RuntimeError("backward() called before forward(): there is no forward to differentiate")
        key, inputs = self._saved
        cotangent = jnp.asarray(grad)
        if key is None:
            dx = _identity_vjp(self.module, inputs, cotangent)
        else:
            dx = _compiled(type(self.p), self.p)[1](key, inputs, cotangent)
        return np.array(dx)
