"""The clause registry: every clause's text, rationale and prerequisites, in one place.

Pure data and the standard library only, so the dormant plugin can read it for free. The clause
sections of ``docs/spec.md`` are generated from it when the site is built (``docs/gen/spec_clauses.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .prerequisites import validate_requires

SPEC_VERSION = "1.1"

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
    why: str = field(kw_only=True)
    """The rationale shown under the clause in the spec, "Published check N" included."""
    requires: tuple[str, ...] = field(kw_only=True)
    """The clauses whose failure makes this clause's cases *blocked*: exactly the prerequisites its
    checks can raise as :class:`~dropout_conformance.checks.context.Blocked`."""
    basis: tuple[str, ...] = field(default=(), kw_only=True)
    """The statement's own words a MUST clause rests on, quoted from ``problem.md`` (a test checks
    every quote is there): a MUST clause may demand only what these words require."""


CLAUSES: tuple[Clause, ...] = (
    Clause(
        "init.valid-p",
        "MUST",
        "Every valid p is accepted",
        "`DropoutLayer(p)` succeeds for every p with 0 <= p < 1 given as a Python float, the "
        "Python int 0 or a `numpy.float64` (a subclass of float), and the layer's training forward "
        "then runs on float64, float32 and float16 inputs.",
        why=(
            'the statement\'s p is "a float": a numpy user writes `0` for it, and `np.float64` is a float. '
            '"Accepted" means usable: a float64 numpy p must not make forward fail on float16 activations. '
            "Narrower numpy scalars are not floats to Python: `init.numpy-p` (SHOULD)."
        ),
        requires=("train.output-shape",),
        basis=(
            "store the drop probability [p, with 0 <= p < 1]",
            "`p`, a float drop probability in [[0, 1)]",
            "`x`, an `np.ndarray` of activations",
        ),
    ),
    Clause(
        "init.invalid-p",
        "MUST",
        "Invalid p raises ValueError",
        "`DropoutLayer(p)` raises `ValueError` (not `AssertionError`, not `TypeError`) at "
        "construction when p < 0, p >= 1 (1 included), or p is NaN or an infinity.",
        published=True,
        why=(
            "the statement's \"raise ValueError otherwise\"; NaN slips through `p < 0 or p > 1`. "
            "Published check 5."
        ),
        requires=(),
        basis=(
            "raise `ValueError` otherwise",
            "`p`, a float drop probability in [[0, 1)]",
        ),
    ),
    Clause(
        "infer.identity",
        "MUST",
        "Inference passes the input through",
        "`forward(x, training=False)` returns an array equal to x in shape, dtype and every "
        "value, for every valid p, and leaves x unmodified.",
        published=True,
        why='"At inference, forward returns the input untouched". Published check 1.',
        requires=("init.valid-p",),
        basis=(
            "if `training` is `False`, return `x` unchanged",
            "At inference (`training=False`), `forward` returns the input untouched.",
        ),
    ),
    Clause(
        "api.training-flag",
        "MUST",
        "The training flag",
        "`forward` accepts `training` as a keyword and as the second positional argument, and "
        "the two agree; when it is omitted the layer is in training mode.",
        why=(
            "the signature `forward(self, x, training=True)` is part of the statement. Agreement is read "
            "at inference, where a conforming layer returns x: when neither form returns x, the layer's "
            "inference is what is wrong, and this clause is blocked by `infer.identity`."
        ),
        requires=("init.valid-p", "train.output-shape", "infer.identity"),
        basis=(
            "`forward(self, x, training=True)`",
            "`training`, a bool: when `False`, `forward` is the identity",
        ),
    ),
    Clause(
        "train.output-shape",
        "MUST",
        "Training output is an array of x's shape",
        "`forward(x)` in training returns a `numpy.ndarray` whose shape equals x's shape "
        "(rank 1 to 4 here; 0-d and empty inputs are `shape.edge-cases`).",
        why="every other training check reads the output; when this fails they report *blocked*.",
        requires=("init.valid-p",),
        basis=(
            "`forward` returns an `np.ndarray`",
            "`grad`, an `np.ndarray` of upstream gradients (same shape as `x`)",
        ),
    ),
    Clause(
        "train.values",
        "MUST",
        "Survivors are scaled by 1/(1-p), dropped entries are 0",
        "Each element of the training output is exactly 0 or equals x/(1-p) within 4 ulp of "
        "the coarser of the input and output dtypes.",
        published=True,
        why="inverted scaling. Published check 2. Checked over Hypothesis-generated shapes and values.",
        requires=("init.valid-p", "train.output-shape"),
        basis=(
            "return [x * m / (1-p)]",
            "surviving activations are scaled up by [1/(1-p)] during training",
        ),
    ),
    Clause(
        "train.fresh-mask",
        "MUST",
        "A fresh mask every call",
        "Each training call draws a new mask: two calls on the same x with the same layer do "
        "not drop the same positions (the chance of that for a correct layer is kept "
        "below 1e-12).",
        why='"randomly zeroes"; a mask drawn once or from a reseeded generator is no regulariser.',
        requires=("init.valid-p", "train.output-shape"),
        basis=(
            "randomly zeroes a fraction of activations during training",
            "otherwise sample a binary mask",
        ),
    ),
    Clause(
        "train.full-mask",
        "MUST",
        "The mask has x's full shape",
        "The mask is drawn per element of x: it is not one smaller mask broadcast along any "
        "axis of x.",
        why="\"a binary mask of x's shape\".",
        requires=("init.valid-p", "train.output-shape"),
        basis=(
            "sample a binary mask [m, each entry 1 with probability 1-p] of `x`'s shape",
        ),
    ),
    Clause(
        "train.unbiased",
        "MUST",
        "Unbiased: each element is kept with probability 1-p",
        "Over many samples the fraction of kept elements is 1-p, so with the 1/(1-p) scaling "
        "E[forward(x)] = x. Checked by scipy's exact binomial test at p = 0.1, 0.2, 0.5, 0.8 "
        "and 0.95 (see docs/statistics.md for false-failure rate and power), and at p = 0.99999, "
        "where 1/(1-p) overflows float16, by survivors among 6 million elements.",
        published=True,
        why=(
            '"the expected forward output equals x". Asymmetric p catch p and 1-p swapped, which a mean test '
            "at p = 0.5 cannot see. Published check 6."
        ),
        requires=("init.valid-p", "train.output-shape"),
        basis=(
            "each entry 1 with probability 1-p",
            "The expected forward output equals x",
        ),
    ),
    Clause(
        "train.p-zero",
        "MUST",
        "p = 0 is a no-op",
        "With p = 0 a training forward returns values equal to x (nothing dropped among 2**20 "
        "elements) and backward returns grad.",
        published=True,
        why=(
            "published check 4; catches the `rand() > p` endpoint error (a 16-bit uniform drops about 16 of "
            "2**20 elements at p = 0; missing them all has probability e**-16)."
        ),
        requires=("init.valid-p", "train.output-shape"),
        basis=(
            "p = 0 is a no-op (mask all ones).",
        ),
    ),
    Clause(
        "back.before-forward",
        "MUST",
        "backward before forward raises",
        "Calling `backward(grad)` on a layer whose `forward` was never called raises an "
        "exception (any type).",
        why='"raise if forward was never called".',
        requires=("init.valid-p", "train.output-shape"),
        basis=(
            "`backward` must use the mask saved during `forward` (raise if `forward` was never called).",
        ),
    ),
    Clause(
        "back.mask-reuse",
        "MUST",
        "Backward reuses the same mask and scale",
        "`backward(grad)` returns grad * m / (1-p), where m is the mask of this instance's "
        "latest training forward, within 4 ulp of the coarser dtype; this holds where x was "
        "0 or negative too, so a mask inferred from the output is not enough.",
        published=True,
        why=(
            "published check 3. The kit reads the stored mask as `backward(ones) * (1-p)` and then checks an "
            "arbitrary grad against it."
        ),
        requires=("init.valid-p", "train.output-shape"),
        basis=(
            "route gradients through the same mask and scale: [grad * m / (1-p)]",
            "The backward pass reuses the identical mask and scale.",
        ),
    ),
    Clause(
        "back.repeatable",
        "MUST",
        "backward is repeatable",
        "Calling `backward` twice with the same grad array, with no forward in between, gives the "
        "same result.",
        why=(
            'backward "uses the stored mask"; it may not consume it, redraw it, or scale grad in place '
            "(then the same array gives 2g, then 4g: seen in public layers). The kit passes the very same "
            "array object twice, as a user's loop does."
        ),
        requires=("init.valid-p", "train.output-shape"),
        basis=(
            "`backward` returns the gradient with respect to the input, using the stored mask and scale.",
        ),
    ),
    Clause(
        "back.instance-isolation",
        "MUST",
        "Layers do not share masks",
        "Two layer instances keep their own masks: a forward on one never changes the "
        "gradient that the other's backward returns, and two new instances do not draw the "
        "same mask.",
        why="networks stack several dropout layers; a class-attribute mask breaks all but the last.",
        requires=("init.valid-p", "train.output-shape", "back.mask-reuse"),
        basis=(
            "sample a binary mask [m, each entry 1 with probability 1-p] of `x`'s shape, store it",
        ),
    ),
    Clause(
        "example.statement",
        "MUST",
        "The statement's worked example",
        "With x = [1, 2, 3, 4] and p = 0.5: whenever the sampled mask is [1, 0, 1, 0], "
        "forward(x) gives [2, 0, 6, 0] and backward([0.1, 0.2, 0.3, 0.4]) gives "
        "[0.2, 0, 0.6, 0].",
        why="the statement's own numbers, checked literally.",
        requires=("init.valid-p", "train.output-shape"),
        basis=(
            "Example: x = [1, 2, 3, 4], p = 0.5, sampled mask = [1, 0, 1, 0]: forward(x) -> [2, 0, 6, 0]",
            "backward([0.1, 0.2, 0.3, 0.4]) -> [0.2, 0, 0.6, 0]",
        ),
    ),
    Clause(
        "init.numpy-p",
        "SHOULD",
        "Narrower numpy scalars work as p",
        "A p given as a `numpy.float32` or `numpy.float16` scalar behaves as the Python float of the "
        "same value: a valid one builds a layer whose training forward runs on float64, float32 and "
        "float16 inputs, and an invalid one (1, NaN) raises `ValueError` at construction.",
        why=(
            "such scalars arrive from arrays and mixed-precision configs, but the statement's \"float\" does not "
            "name them: a layer that computes `round(p * 2**32)` in p's own dtype overflows for float16 yet "
            "is correct for every float p."
        ),
        requires=("init.valid-p", "init.invalid-p", "train.output-shape"),
    ),
    Clause(
        "infer.returns-input",
        "SHOULD",
        "Inference returns x itself",
        "`forward(x, training=False)` returns the very object x, not a copy.",
        why='inference should cost nothing ("keeps inference cheap").',
        requires=("init.valid-p",),
    ),
    Clause(
        "dtype.preserved",
        "SHOULD",
        "Floating dtypes are preserved",
        "For float16, float32 and float64 inputs, the training output and the gradient have "
        "the input's dtype.",
        why="an upcast doubles memory and breaks mixed-precision networks.",
        requires=("init.valid-p", "train.output-shape"),
    ),
    Clause(
        "no-mutation",
        "SHOULD",
        "Inputs are never modified",
        "`forward` never modifies x and `backward` never modifies grad, in training and at "
        "inference.",
        why="the caller's activations and gradients are used again elsewhere in the network.",
        requires=("init.valid-p", "train.output-shape"),
    ),
    Clause(
        "train.independent",
        "SHOULD",
        "Mask entries are independent",
        "The mask entries are i.i.d. Bernoulli(1-p): the kept count varies across calls as a "
        "binomial does, and neighbouring, lagged, row and column entries are uncorrelated.",
        why='"exactly round(p*n) dropped" and correlated masks are unbiased yet not dropout.',
        requires=("init.valid-p", "train.output-shape"),
    ),
    Clause(
        "shape.edge-cases",
        "SHOULD",
        "Every shape and memory layout",
        "0-d and empty inputs, ranks 5 and 6, and non-contiguous views (transposed, strided, "
        "negative strides) give correct outputs and gradients.",
        why="real activations arrive as views and in every rank.",
        requires=("init.valid-p",),
    ),
    Clause(
        "lifecycle.inference",
        "SHOULD",
        "Inference calls leave training state alone",
        "After an inference forward, backward returns grad (within 4 ulp of the coarser dtype) "
        "or raises, and never applies a stale training mask; an inference call does not change "
        "later training behaviour.",
        why=(
            "evaluation in the middle of training (Megatron-LM #411) must not corrupt the layer, and input "
            "gradients at inference (saliency maps, adversarial examples) need backward to pair with the "
            "latest forward, as Caffe's TEST phase and every autograd framework do."
        ),
        requires=("init.valid-p", "train.output-shape"),
    ),
    Clause(
        "back.before-forward-error",
        "SHOULD",
        "backward before forward raises a real error",
        "The exception raised by `backward` before any `forward` is not an `AssertionError` "
        "(assertions vanish under `python -O`).",
        why="under `python -O` an assert-based guard silently disappears.",
        requires=("init.valid-p", "back.before-forward"),
    ),
)

validate_requires(CLAUSES)
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
