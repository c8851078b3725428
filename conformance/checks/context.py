"""What a check sees: a seeded context, recorded layer handles, and the two ways to stop.

Checks never touch an implementation directly. They go through :class:`LayerHandle`, which
records every call as a line of Python so a failure can print a copy-pasteable reproducer,
turns an implementation's exception into a failure of the clause being checked, and reports a
*blocked* check when a prerequisite clause (construction, output shape) is what broke.
"""

from __future__ import annotations

import functools
import math
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable
from types import CodeType
from typing import Any

import numpy as np

from ..spec import clause as lookup_clause

MAX_REPRO_LINES = 14


class ConformanceFailure(AssertionError):
    """The implementation violates the clause being checked."""


class Blocked(Exception):
    """A prerequisite clause failed, so this check cannot say anything about its own."""

    def __init__(self, prerequisite: str, detail: str) -> None:
        super().__init__(f"blocked by {prerequisite}: {detail}")
        self.prerequisite = prerequisite


def describe_exception(exc: BaseException) -> str:
    """``TypeError: message`` plus the innermost frames, for a failure message."""
    frames = traceback.extract_tb(exc.__traceback__)[-3:]
    where = "".join(traceback.format_list(frames)).rstrip()
    text = f"{type(exc).__name__}: {exc}"
    return f"{text}\n{where}" if where else text


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

    def __init__(
        self,
        clause_id: str,
        factory: Callable[..., Any],
        seed: int,
        *,
        impl_value: str = "IMPL",
        rerun_command: str = "",
        time_budget: float = 60.0,
    ) -> None:
        self.clause = lookup_clause(clause_id)
        self.factory = factory
        self.seed = seed
        self.impl_value = impl_value
        self.rerun_command = rerun_command
        self.time_budget = time_budget
        self.started = time.monotonic()
        self.rng = np.random.default_rng(seed)
        self._lines: list[str] = []
        self._names: dict[int, str] = {}
        self._counter = 0

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
        """Expression for normal values of both signs; with ``zeros``, every third entry is exactly 0."""
        normal = f"np.random.default_rng({self.seeded()}).standard_normal({shape})"
        if not zeros:
            return f"{normal}.astype('{dtype}')"
        return f"({normal} * (np.arange({math.prod(shape)}) % 3 != 0).reshape({shape})).astype('{dtype}')"

    def positive_input(self, shape: tuple[int, ...], dtype: str = "float64") -> str:
        """Expression for values in [1, 2): never 0, so a zero output means a dropped element."""
        return f"(1.0 + np.random.default_rng({self.seeded()}).random({shape})).astype('{dtype}')"

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
        self.record(f"{name} = impl({p!r})")
        try:
            layer = self.factory(p)
        except Exception as exc:  # noqa: BLE001 - any exception is the implementation's
            detail = f"{name} = impl({p!r}) raised {describe_exception(exc)}"
            if owner:
                self.fail(detail)
            raise Blocked("init.valid-p", detail) from None
        return LayerHandle(self, layer, name)

    def check_time(self, done: int, total: int) -> None:
        """Fail, rather than hang, when the implementation is too slow to finish the check."""
        elapsed = time.monotonic() - self.started
        if elapsed > self.time_budget and done < total:
            self.fail(
                f"too slow: produced {done} of {total} samples in {elapsed:.1f} s "
                f"(budget {self.time_budget:.0f} s); a vectorised numpy layer needs well under 1 s"
            )

    # ------------------------------------------------------------------ failing
    def fail(self, detail: str) -> None:
        raise ConformanceFailure(self.message(detail))

    def message(self, detail: str) -> str:
        c = self.clause
        lines = [f"[{c.id}] ({c.level}) {c.title}", f"  spec: {c.text}", detail.rstrip(), ""]
        lines.append("reproduce:")
        if self.rerun_command:
            lines += [f"  {self.rerun_command}", "  # or, in Python:"]
        lines += [
            "  import random",
            "  import numpy as np",
            "  from dropout_conformance import load_implementation",
            f"  impl = load_implementation({self.impl_value!r})",
            f"  np.random.seed({self.seed}); random.seed({self.seed})  # the check's seed: global-generator masks replay",
        ]
        body = self._lines
        if len(body) > MAX_REPRO_LINES:
            skipped = len(body) - MAX_REPRO_LINES
            body = body[: MAX_REPRO_LINES // 2] + [f"# ... {skipped} more calls ..."] + body[-MAX_REPRO_LINES // 2 :]
        lines += [f"  {line}" for line in body]
        return "\n".join(lines)


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
            self.ctx.fail(f"{self.name}.{what} raised {describe_exception(exc)}")

    def forward(self, x: np.ndarray, *args: bool, out: str = "out", shape_owner: bool = False, **kwargs: bool) -> Any:
        """Call forward; in training, an output that is not an array of x's shape blocks the check."""
        ctx = self.ctx
        call = ", ".join([ctx.name_of(x)] + [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()])
        result = self._call(f"forward({call})", lambda: self.layer.forward(x, *args, **kwargs), out)
        training = kwargs.get("training", args[0] if args else True)
        if training and not shape_owner:
            problem = shape_problem(result, np.shape(x))
            if problem:
                raise Blocked("train.output-shape", f"forward({call}) {problem}")
        return result

    def backward(self, grad: np.ndarray, out: str = "dx") -> Any:
        return self._call(f"backward({self.ctx.name_of(grad)})", lambda: self.layer.backward(grad), out)


def shape_problem(result: Any, shape: tuple[int, ...]) -> str | None:
    """Why ``result`` is not an ndarray of ``shape`` (a numpy scalar passes for 0-d), or None."""
    if shape == () and isinstance(result, np.generic):
        return None
    if not isinstance(result, np.ndarray):
        kind = getattr(result, "foreign_type", None) or type(result).__name__  # a sandbox reports types by name
        return f"returned {kind}, expected a numpy.ndarray of shape {shape}"
    if result.shape != shape:
        return f"returned shape {result.shape}, expected x's shape {shape}"
    return None
