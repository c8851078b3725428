"""The clause registry: the machine-readable half of ``docs/spec.md``.

Pure data and the standard library only, so the dormant plugin can read it for free.
A test keeps this registry and ``docs/spec.md`` in agreement, clause by clause.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SPEC_VERSION = "1.0"

Level = Literal["MUST", "SHOULD"]


@dataclass(frozen=True)
class Clause:
    """One numbered requirement of the spec."""

    id: str
    level: Level
    title: str
    text: str
    published: bool = False
    """True for the clauses behind the six checks of the original problem page (``core``)."""


CLAUSES: tuple[Clause, ...] = (
    Clause(
        "init.valid-p",
        "MUST",
        "Every valid p is accepted",
        "`DropoutLayer(p)` succeeds for every p with 0 <= p < 1, whether p is a Python float, "
        "the Python int 0, or a numpy floating scalar, and the layer's training forward then runs "
        "on float64, float32 and float16 inputs.",
    ),
    Clause(
        "init.invalid-p",
        "MUST",
        "Invalid p raises ValueError",
        "`DropoutLayer(p)` raises `ValueError` (not `AssertionError`, not `TypeError`) at "
        "construction when p < 0, p >= 1 (1 included), or p is NaN or an infinity.",
        published=True,
    ),
    Clause(
        "infer.identity",
        "MUST",
        "Inference passes the input through",
        "`forward(x, training=False)` returns an array equal to x in shape, dtype and every "
        "value, for every valid p, and leaves x unmodified.",
        published=True,
    ),
    Clause(
        "api.training-flag",
        "MUST",
        "The training flag",
        "`forward` accepts `training` as a keyword and as the second positional argument; "
        "when it is omitted the layer is in training mode.",
    ),
    Clause(
        "train.output-shape",
        "MUST",
        "Training output is an array of x's shape",
        "`forward(x)` in training returns a `numpy.ndarray` whose shape equals x's shape "
        "(rank 1 to 4 here; 0-d and empty inputs are `shape.edge-cases`).",
    ),
    Clause(
        "train.values",
        "MUST",
        "Survivors are scaled by 1/(1-p), dropped entries are 0",
        "Each element of the training output is exactly 0 or equals x/(1-p) within 4 ulp of "
        "the coarser of the input and output dtypes.",
        published=True,
    ),
    Clause(
        "train.fresh-mask",
        "MUST",
        "A fresh mask every call",
        "Each training call draws a new mask: two calls on the same x with the same layer do "
        "not drop the same positions (the chance of that for a correct layer is kept "
        "below 1e-12).",
    ),
    Clause(
        "train.full-mask",
        "MUST",
        "The mask has x's full shape",
        "The mask is drawn per element of x: it is not one smaller mask broadcast along any "
        "axis of x.",
    ),
    Clause(
        "train.unbiased",
        "MUST",
        "Unbiased: each element is kept with probability 1-p",
        "Over many samples the fraction of kept elements is 1-p, so with the 1/(1-p) scaling "
        "E[forward(x)] = x. Checked by scipy's exact binomial test at p = 0.1, 0.2, 0.5, 0.8 "
        "and 0.95 (see docs/statistics.md for false-failure rate and power).",
        published=True,
    ),
    Clause(
        "train.p-zero",
        "MUST",
        "p = 0 is a no-op",
        "With p = 0 a training forward returns values equal to x (nothing dropped among 2**20 "
        "elements) and backward returns grad.",
        published=True,
    ),
    Clause(
        "back.before-forward",
        "MUST",
        "backward before forward raises",
        "Calling `backward(grad)` on a layer whose `forward` was never called raises an "
        "exception (any type).",
    ),
    Clause(
        "back.mask-reuse",
        "MUST",
        "Backward reuses the same mask and scale",
        "`backward(grad)` returns grad * m / (1-p), where m is the mask of this instance's "
        "latest training forward, within 4 ulp of the coarser dtype; this holds where x was "
        "0 or negative too, so a mask inferred from the output is not enough.",
        published=True,
    ),
    Clause(
        "back.repeatable",
        "MUST",
        "backward is repeatable",
        "Calling `backward` twice with the same grad, with no forward in between, gives the "
        "same result.",
    ),
    Clause(
        "back.instance-isolation",
        "MUST",
        "Layers do not share masks",
        "Two layer instances keep their own masks: a forward on one never changes the "
        "gradient that the other's backward returns, and two new instances do not draw the "
        "same mask.",
    ),
    Clause(
        "example.statement",
        "MUST",
        "The statement's worked example",
        "With x = [1, 2, 3, 4] and p = 0.5: whenever the sampled mask is [1, 0, 1, 0], "
        "forward(x) gives [2, 0, 6, 0] and backward([0.1, 0.2, 0.3, 0.4]) gives "
        "[0.2, 0, 0.6, 0].",
    ),
    Clause(
        "infer.returns-input",
        "SHOULD",
        "Inference returns x itself",
        "`forward(x, training=False)` returns the very object x, not a copy.",
    ),
    Clause(
        "dtype.preserved",
        "SHOULD",
        "Floating dtypes are preserved",
        "For float16, float32 and float64 inputs, the training output and the gradient have "
        "the input's dtype.",
    ),
    Clause(
        "no-mutation",
        "SHOULD",
        "Inputs are never modified",
        "`forward` never modifies x and `backward` never modifies grad, in training and at "
        "inference.",
    ),
    Clause(
        "train.independent",
        "SHOULD",
        "Mask entries are independent",
        "The mask entries are i.i.d. Bernoulli(1-p): the kept count varies across calls as a "
        "binomial does, and neighbouring, lagged, row and column entries are uncorrelated.",
    ),
    Clause(
        "shape.edge-cases",
        "SHOULD",
        "Every shape and memory layout",
        "0-d and empty inputs, ranks 5 and 6, and non-contiguous views (transposed, strided, "
        "negative strides) give correct outputs and gradients.",
    ),
    Clause(
        "lifecycle.inference",
        "SHOULD",
        "Inference calls leave training state alone",
        "After an inference forward, backward returns grad (within 4 ulp of the coarser dtype) "
        "or raises, and never applies a stale training mask; an inference call does not change "
        "later training behaviour.",
    ),
    Clause(
        "back.before-forward-error",
        "SHOULD",
        "backward before forward raises a real error",
        "The exception raised by `backward` before any `forward` is not an `AssertionError` "
        "(assertions vanish under `python -O`).",
    ),
)

_BY_ID = {c.id: c for c in CLAUSES}
PROFILES = ("core", "spec", "strict")


def clause(clause_id: str) -> Clause:
    """Look a clause up by ID; a KeyError names the known IDs."""
    try:
        return _BY_ID[clause_id]
    except KeyError:
        raise KeyError(f"unknown clause {clause_id!r}; known: {', '.join(_BY_ID)}") from None


def in_profile(c: Clause, profile: str) -> bool:
    """``core`` is the published six, ``spec`` every MUST clause, ``strict`` everything."""
    if profile == "core":
        return c.published
    if profile == "spec":
        return c.level == "MUST"
    if profile == "strict":
        return True
    raise ValueError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
