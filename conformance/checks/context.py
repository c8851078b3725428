"""What a check sees: a seeded context, recorded layer handles, and the two ways to stop.

Checks never touch an implementation directly. They go through :class:`LayerHandle`, which
records every call as a line of Python so a failure carries a reproducer, turns an
implementation's exception into a failure of the clause being checked (its words kept apart from
the kit's, in :class:`~dropout_conformance.results.Raised`), and reports a *blocked* check when a
prerequisite clause (construction, output shape) is what broke.
"""

from __future__ import annotations

import functools
import math
import os
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable
from types import CodeType, TracebackType
from typing import Any, NoReturn

import numpy as np

from ..implementation import SANDBOX_SAID, ForeignValue, Implementation, ProcessFailure
from ..results import RETURNED, Failure, Raised, Reproducer
from ..spec import clause as lookup_clause


class ConformanceFailure(AssertionError):
    """The implementation violates the clause being checked."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.summary(implementation_words=False))
        self.failure = failure


class Blocked(Exception):
    """A prerequisite clause failed, so this check cannot say anything about its own."""

    def __init__(self, prerequisite: str, failure: Failure) -> None:
        super().__init__(f"blocked by {prerequisite}: {failure.got}")
        self.prerequisite = prerequisite
        self.failure = failure


class KitError(Exception):
    """A mistake in the kit itself (a check that contradicts the spec's metadata), never the implementation's."""


KIT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_NUMPY_DIR = os.path.dirname(np.__file__) + os.sep
_STDLIB_DIR = os.path.dirname(os.__file__) + os.sep
WHERE_LIMIT = 200


def raised_by(exc: BaseException) -> Raised:
    """An implementation's exception as data: type name, text, the innermost frames and the line
    that raised it. An exception group is described by its first leaf, with a note of how many it
    holds; an exception rebuilt from a sandbox's reply, by what the submission's exception said."""
    said = getattr(exc, SANDBOX_SAID, None)
    if type(said) is tuple and len(said) == 3 and all(type(s) is str for s in said):
        return Raised(said[0], said[1], where=said[2])
    leaf, count = first_leaf(exc)
    text = _text_of(leaf)
    if leaf is not exc:
        note = f"{'the only exception' if count == 1 else f'first of {count} exceptions'} in {_group_name(exc)}"
        text = f"{text} ({note})" if text.strip() else f"(no message; {note})"
    tb = leaf.__traceback__ or exc.__traceback__
    frames = traceback.extract_tb(tb)[-3:]
    return Raised(type(leaf).__name__, text, "".join(traceback.format_list(frames)).rstrip(), raising_line(tb))


def group_members(exc: BaseException) -> tuple[BaseException, ...]:
    """The exceptions an exception group holds: anything with an ``.exceptions`` sequence of
    exceptions (the builtin group, the 3.10 backport's, Hypothesis's); () for any other exception."""
    try:
        members = exc.exceptions  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - no such attribute, or an implementation's odd one
        return ()
    if not isinstance(members, (tuple, list)) or not all(isinstance(m, BaseException) for m in members):
        return ()
    return tuple(members)


def first_leaf(exc: BaseException) -> tuple[BaseException, int]:
    """The first exception at the bottom of ``exc``'s nested groups, and how many such leaves
    there are; ``(exc, 1)`` for an exception that is not a group."""
    found = leaves(exc)
    return found[0], len(found)


def leaves(exc: BaseException) -> list[BaseException]:
    """The exceptions at the bottom of ``exc``'s nested groups, depth first; ``[exc]`` for one that
    is not a group."""
    found: list[BaseException] = []
    seen: set[int] = set()

    def walk(e: BaseException, depth: int) -> None:
        members = group_members(e) if depth < 32 and id(e) not in seen else ()
        seen.add(id(e))
        if not members:
            found.append(e)
        for m in members:
            walk(m, depth + 1)

    walk(exc, 0)
    return found


def _group_name(exc: BaseException) -> str:
    """``ExceptionGroup 'its message'``, short."""
    message = getattr(exc, "message", None)
    shown = f" {str.__str__(message)[:60]!r}" if isinstance(message, str) and message else ""
    return f"{type(exc).__name__}{shown}"


def _text_of(exc: BaseException) -> str:
    """``str(exc)``, never raising (an implementation's ``__str__`` may raise or return a non-str)."""
    try:
        return str.__str__(str(exc))
    except Exception:  # noqa: BLE001
        return "(its text could not be read: its __str__ failed)"


def raising_line(tb: TracebackType | None) -> str:
    """Where the implementation raised, as ``file:line: source``: the innermost frame outside the
    kit, preferably outside numpy and the standard library too; "" when every frame is the kit's."""
    frames = [f for f in traceback.extract_tb(tb) if not f.filename.startswith(KIT_DIR)]
    if not frames:
        return ""
    f = ([f for f in frames if not _library(f.filename)] or frames)[-1]
    source = (f.line or "").strip()
    line = f"{os.path.basename(f.filename)}:{f.lineno}" + (f": {source}" if source else "")
    return line if len(line) <= WHERE_LIMIT else line[: WHERE_LIMIT - 3] + "..."


def _library(filename: str) -> bool:
    if filename.startswith((_NUMPY_DIR, "<frozen ")):
        return True
    return filename.startswith(_STDLIB_DIR) and "-packages" + os.sep not in filename


def call_failed(call: str, exc: Exception) -> tuple[str, Raised | None]:
    """The kit's sentence for a call into the implementation that raised, and the implementation's
    words apart; a ProcessFailure's text is the kit's own account of the process, so it joins the sentence."""
    if isinstance(exc, ProcessFailure):
        return f"{call} failed: {exc}", None
    return f"{call} raised an exception", raised_by(exc)


def type_name(value: Any) -> str:
    """The name of a returned value's type (the implementation's words: a class may be named anything)."""
    return value.type_name if isinstance(value, ForeignValue) else type(value).__name__


class _Evaluated:
    """Input expressions are pure (seeded generators and literals), and a grader evaluates the same
    ones for every submission: keep recent results, up to a byte budget, and hand out copies."""

    BUDGET = 64 * 2**20

    def __init__(self) -> None:
        self.values: OrderedDict[str, np.ndarray] = OrderedDict()
        self.bytes = 0

    def __call__(self, expr: str) -> np.ndarray:
        kept = self.values.get(expr)
        if kept is not None:
            self.values.move_to_end(expr)
            return kept.copy(order="K")
        value = np.asarray(eval(_compiled(expr), {"np": np}))  # noqa: S307 - our own literal expressions
        if value.flags.owndata and (value.flags.c_contiguous or value.flags.f_contiguous) and value.nbytes <= self.BUDGET:
            self.values[expr] = value.copy(order="K")  # views (strided inputs) are rebuilt every time
            self.bytes += value.nbytes
            while self.bytes > self.BUDGET:
                self.bytes -= self.values.popitem(last=False)[1].nbytes
        return value


@functools.lru_cache(maxsize=1024)
def _compiled(expr: str) -> CodeType:
    return compile(expr, "<input>", "eval")


evaluate = _Evaluated()


class Context:
    """Per-check state: the clause, the derived seed, the inputs made and the calls recorded."""

    def __init__(self, clause_id: str, impl: Implementation, seed: int, *, time_budget: float = 60.0) -> None:
        self.clause = lookup_clause(clause_id)
        self.impl = impl
        self.seed = seed
        self.time_budget = time_budget
        self.started = time.monotonic()
        self.rng = np.random.default_rng(seed)
        self.generators: tuple[str, ...] = ()
        """The global generators seeded with ``seed`` before the check ran (see :mod:`..seeding`)."""
        self._lines: list[str] = []
        self._names: dict[int, str] = {}

    # ------------------------------------------------------------------ inputs
    def array(self, expr: str, name: str = "x") -> np.ndarray:
        """Evaluate a numpy expression, remember it by ``name`` for the reproducer."""
        value = evaluate(expr)
        self._bind(value, name, expr)
        return value

    def restart(self) -> None:
        """Forget the calls recorded so far (a new property-based example begins)."""
        self._lines.clear()
        self._names.clear()

    def seeded(self) -> int:
        """A fresh sub-seed for an input expression, derived from the check's seed."""
        return int(self.rng.integers(0, 2**31 - 1))

    def signed_input(self, shape: tuple[int, ...], dtype: str = "float64", zeros: bool = True) -> str:
        """Expression for normal values of both signs; with ``zeros``, exactly a third of the entries
        (rounded down) are 0, at positions drawn from the seed."""
        normal = f"np.random.default_rng({self.seeded()}).standard_normal({shape})"
        if not zeros:
            return f"{normal}.astype('{dtype}')"
        where = f"np.random.default_rng({self.seeded()}).permutation({math.prod(shape)}) % 3 != 0"
        return f"({normal} * ({where}).reshape({shape})).astype('{dtype}')"

    def positive_input(self, shape: tuple[int, ...], dtype: str = "float64") -> str:
        """Expression for values spread log-uniformly over [0.1, 10): never 0 in any float dtype (so a
        zero output means a dropped element), never constant, integer-valued or evenly spaced."""
        return f"np.exp(np.random.default_rng({self.seeded()}).uniform(-2.3, 2.3, {shape})).astype('{dtype}')"

    def shape_of_size(self, at_least: int) -> tuple[int, ...]:
        """A shape of rank 1 to 3 drawn from the seed, with at least ``at_least`` elements (fewer than
        one and a half times as many): a check that counts must not be recognisable by its inputs' shape."""
        trailing: list[int] = []
        for _ in range(int(self.rng.integers(0, 3))):
            side = int(self.rng.integers(3, 40))
            if math.prod(trailing) * side * 2 > at_least:
                break
            trailing.append(side)
        return (-(-at_least // math.prod(trailing)), *trailing)

    def _bind(self, value: Any, name: str, expr: str) -> None:
        self._names[id(value)] = name
        self.record(f"{name} = {expr}")

    def name_of(self, value: Any) -> str:
        return self._names.get(id(value), "<array>")

    def record(self, line: str) -> None:
        self._lines.append(line)

    # ------------------------------------------------------------------ layers
    def construct(self, p: Any, name: str = "layer", *, owner: bool = False) -> LayerHandle:
        """Build a layer; unless this check owns construction, a failure blocks the check."""
        call = f"{name} = impl({p!r})"
        self.record(call)
        try:
            layer = self.impl.build(p)
        except Exception as exc:  # noqa: BLE001 - any exception is the implementation's
            got, raised = call_failed(call, exc)
        else:
            return LayerHandle(self, layer, name)
        if owner:
            self.fail(got, raised=raised)
        self.block("init.valid-p", got, raised=raised)

    def check_time(self, done: int, total: int) -> None:
        """Fail, rather than hang, when the implementation is too slow to finish the check."""
        elapsed = time.monotonic() - self.started
        if elapsed > self.time_budget and done < total:
            self.fail(
                f"too slow: produced {done} of {total} samples in {elapsed:.1f} s "
                f"(budget {self.time_budget:.0f} s); a vectorised numpy layer needs well under 1 s"
            )

    # ------------------------------------------------------------------ failing
    def failure(self, got: str, expected: str = "", evidence: tuple[str, ...] = (), **said: Any) -> Failure:
        """A failure of this check's clause, with the calls recorded so far as its reproducer. ``got``,
        ``expected`` and ``evidence`` are the kit's words; what the implementation said goes in
        ``said`` (``raised=``, ``returned_type=``), kept apart."""
        reproducer = Reproducer(self.seed, tuple(self._lines), self.generators)
        return Failure(self.clause.id, got, expected, evidence, reproducer=reproducer, **said)

    def fail(self, got: str, expected: str = "", evidence: tuple[str, ...] = (), **said: Any) -> NoReturn:
        """Stop the check: the implementation violates its clause."""
        raise ConformanceFailure(self.failure(got, expected, evidence, **said))

    def block(self, prerequisite: str, got: str, **said: Any) -> NoReturn:
        """Stop the check: ``prerequisite`` failed, so this clause cannot be judged. It must be a
        prerequisite the clause ``requires``: the spec says what may block what."""
        if prerequisite not in self.clause.requires:
            raise KitError(f"{self.clause.id} cannot be blocked by {prerequisite}: its clause does not require it (spec.py)")
        raise Blocked(prerequisite, self.failure(got, **said))


class LayerHandle:
    """A layer under test, seen only through its public interface."""

    def __init__(self, ctx: Context, layer: Any, name: str) -> None:
        self.ctx = ctx
        self.layer = layer
        self.name = name

    def _call(self, what: str, fn: Callable[[], Any], out_name: str) -> Any:
        self.ctx.record(f"{out_name} = {self.name}.{what}")
        try:
            return fn()
        except Exception as exc:  # noqa: BLE001 - reported as the clause's failure
            got, raised = call_failed(f"{self.name}.{what}", exc)
            self.ctx.fail(got, raised=raised)

    def forward(self, x: np.ndarray, *args: bool, out: str = "out", shape_owner: bool = False, **kwargs: bool) -> Any:
        """Call forward; in training, an output that is not an array of x's shape blocks the check."""
        ctx = self.ctx
        call = ", ".join([ctx.name_of(x)] + [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()])
        result = self._call(f"forward({call})", lambda: self.layer.forward(x, *args, **kwargs), out)
        training = kwargs.get("training", args[0] if args else True)
        if training and not shape_owner:
            problem = shape_problem(result, np.shape(x))
            if problem:
                got, returned = problem
                ctx.block("train.output-shape", f"forward({call}) {got}", returned_type=returned)
        return result

    def backward(self, grad: np.ndarray, out: str = "dx") -> Any:
        return self._call(f"backward({self.ctx.name_of(grad)})", lambda: self.layer.backward(grad), out)


def shape_problem(result: Any, shape: tuple[int, ...]) -> tuple[str, str | None] | None:
    """Why ``result`` is not an ndarray of ``shape`` (a numpy scalar passes for 0-d), or None: the
    kit's sentence, and the name of the type returned when that is what is wrong."""
    if shape == () and isinstance(result, np.generic):
        return None
    if not isinstance(result, np.ndarray):
        return f"returned {RETURNED}, expected a numpy.ndarray of shape {shape}", type_name(result)
    if result.shape != shape:
        return f"returned shape {result.shape}, expected x's shape {shape}", None
    return None
