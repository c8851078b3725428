"""The checks: each exists once, cites one clause, and runs against any DropoutLayer factory.

Generation (:func:`cases`) is separate from running (:func:`run_case`) and from marking (the
pytest plugin, or another runner such as a grader): a check is a plain function
``check(ctx, **params)`` that drives the layer through ``ctx`` and raises
:class:`ConformanceFailure` or :class:`Blocked`.
"""

from __future__ import annotations

import hashlib
import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..spec import CLAUSES, in_profile
from ..spec import clause as lookup_clause
from .context import Blocked, ConformanceFailure, Context, describe_exception

__all__ = ["Check", "Case", "Outcome", "check", "cases", "all_checks", "case_seed", "run_case", "run_all", "false_failure_bound"]


@dataclass(frozen=True)
class Check:
    clause: str
    func: Callable[..., None]
    params: tuple[dict[str, Any], ...]
    chance: Callable[..., float] | None = None
    """Probability that a *correct* layer fails this case by chance, from the case's params."""

    @property
    def name(self) -> str:
        return self.func.__name__


@dataclass(frozen=True)
class Case:
    """One check with one parameter set; ``key`` is stable and readable, e.g. ``train.values-p0.2-float32``."""

    check: Check
    params: dict[str, Any] = field(hash=False)
    key: str
    variant: str = ""
    """The parameter set's explicit ``id`` (e.g. ``float1``, ``rank3``), if it has one."""

    @property
    def clause(self) -> str:
        return self.check.clause

    @property
    def statistical(self) -> bool:
        """True when a correct layer can fail it by chance at a rate above RARE: its verdict on a
        layer deviating by less than the detection threshold may differ from seed to seed."""
        from ..statistics import RARE

        return self.chance() > RARE

    def chance(self) -> float:
        """False-failure probability of this case on a correct layer (0 for exact checks)."""
        return self.check.chance(**self.params) if self.check.chance else 0.0


@dataclass(frozen=True)
class Outcome:
    status: str  # "passed" | "failed" | "blocked"
    message: str = ""
    blocked_by: str = ""


_REGISTRY: list[Check] = []


def check(
    clause_id: str,
    params: Iterable[dict[str, Any]] = ({},),
    chance: Callable[..., float] | None = None,
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register ``func`` as a check of ``clause_id`` (which must exist), once per parameter set.

    A check that rests on a random event declares ``chance(**params)``: the probability that a
    correct layer fails it. The suite's false-failure budget is the sum over its cases.
    """
    lookup_clause(clause_id)

    def register(func: Callable[..., None]) -> Callable[..., None]:
        _REGISTRY.append(Check(clause_id, func, tuple(params), chance))
        return func

    return register


def _labels(params: dict[str, Any]) -> list[str]:
    """Readable ID parts: an explicit ``id``, then ``p<value>`` for a numeric p, then the dtype."""
    labels = [str(params["id"])] if "id" in params else []
    if isinstance(params.get("p"), (int, float)):
        labels.append(f"p{params['p']}")
    if "dtype" in params:
        labels.append(str(params["dtype"]))
    return labels


def all_checks() -> list[Check]:
    """Every registered check, in the order of its clause in the spec (registration order within one).

    Every module of this package is imported, so a new check module is found without being listed
    (helpers such as ``context`` register nothing); the order never depends on file names."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    position = {c.id: i for i, c in enumerate(CLAUSES)}
    return sorted(_REGISTRY, key=lambda k: position[k.clause])


def cases(profile: str = "spec") -> list[Case]:
    """Every case of every check whose clause belongs to ``profile``, in clause order (see all_checks)."""
    out: list[Case] = []
    for chk in all_checks():
        if not in_profile(lookup_clause(chk.clause), profile):
            continue
        for params in chk.params:
            key = "-".join([chk.clause, *_labels(params)])
            out.append(Case(chk, {k: v for k, v in params.items() if k != "id"}, key, str(params.get("id", ""))))
    keys = [c.key for c in out]
    if len(set(keys)) != len(keys):
        raise RuntimeError(f"duplicate case keys in profile {profile}: {sorted(k for k in keys if keys.count(k) > 1)}")
    return out


def run_case(case: Case, factory: Callable[..., Any], seed: int, *, shrink: bool = True, **context: Any) -> Outcome:
    """Run one case against ``factory`` (a class or a function taking p) and classify the result.

    A property check replays Hypothesis's examples; if one fails, the case runs again from its
    start with Hypothesis live, which shrinks the failure (see :mod:`.properties`). With
    ``shrink=False`` the replayed example is reported as it is: the same verdict, sooner, with a
    longer reproducer.
    """
    from .properties import live_hypothesis

    outcome, replay_failed = _attempt(case, factory, seed, context)
    if replay_failed and shrink:
        with live_hypothesis():
            live, _ = _attempt(case, factory, seed, context)
        if live.status == outcome.status:  # else a random failure did not come back alike: the replay's stands
            outcome = live
    return outcome


def _attempt(case: Case, factory: Callable[..., Any], seed: int, context: dict[str, Any]) -> tuple[Outcome, bool]:
    """The case's outcome, and whether it came from a replayed property example."""
    import random

    import numpy as np

    from .properties import ShrinkNeeded

    np.random.seed(seed)
    random.seed(seed)  # as a sandbox reseeds its child: both global generators, at every case
    ctx = Context(case.clause, factory, seed, **context)
    try:
        reseed = getattr(factory, "reseed", None)  # a sandboxed implementation reseeds its own process
        if reseed is not None:
            reseed(seed)
        case.check.func(ctx, **case.params)
    except ShrinkNeeded as exc:
        return _classify(ctx, exc.original), True
    except Exception as exc:  # noqa: BLE001 - an implementation's error escaping a check
        return _classify(ctx, exc), False
    return Outcome("passed"), False


def _classify(ctx: Context, exc: Exception) -> Outcome:
    if isinstance(exc, ConformanceFailure):
        return Outcome("failed", str(exc))
    if isinstance(exc, Blocked):
        return Outcome("blocked", str(exc), exc.prerequisite)
    return Outcome("failed", ctx.message(f"the implementation raised {describe_exception(exc)}"))


def case_seed(master: int, case: Case) -> int:
    """A case's own seed, from the master seed and the case key: stable across runs and workers.

    The implementation's name is not part of it, so every implementation sees the same inputs.
    """
    digest = hashlib.blake2b(f"{master}:{case.key}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big")


def run_all(factory: Callable[..., Any], master_seed: int, profile: str = "spec", **context: Any) -> dict[str, Outcome]:
    """Every case of ``profile`` against ``factory``, without pytest: ``{case key: outcome}``."""
    return {c.key: run_case(c, factory, case_seed(master_seed, c), **context) for c in cases(profile)}


def false_failure_bound(profile: str = "spec") -> float:
    """Union bound on a correct layer failing any case of ``profile`` by chance."""
    return sum(c.chance() for c in cases(profile))
