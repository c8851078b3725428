"""The checks: each exists once, cites one clause, and runs against any DropoutLayer factory.

Generation (:func:`cases`) is separate from running (:func:`run_case`) and from marking (the
pytest session, or another runner such as the grader): a check is a plain function
``check(ctx, **params)`` that drives the layer through ``ctx`` and raises
:class:`ConformanceFailure` or :class:`Blocked`; :func:`run_case` turns that into a
:class:`~dropout_conformance.results.CaseOutcome`.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import pkgutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..implementation import Implementation, ProcessFailure, as_implementation
from ..results import CaseOutcome, Status
from ..spec import CLAUSES, in_profile
from ..spec import clause as lookup_clause
from .context import Blocked, ConformanceFailure, Context, KitError, raised_by

if TYPE_CHECKING:
    from ..expectations import Entry

__all__ = ["Check", "Case", "check", "cases", "all_checks", "case_seed", "run_case", "run_all", "false_failure_bound"]


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
    _import_check_modules()
    position = {c.id: i for i, c in enumerate(CLAUSES)}
    return sorted(_REGISTRY, key=lambda k: position[k.clause])


@functools.cache
def _import_check_modules() -> None:
    """Once per process: cases() runs per submission in the grader, the package does not change."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


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


def run_case(case: Case, impl: Implementation | Callable[..., Any], seed: int, *, shrink: bool = True) -> CaseOutcome:
    """Run one case against ``impl`` (an Implementation, or a class or factory taking p) and classify the result.

    A property check replays Hypothesis's examples; if one fails, the case runs again from its
    start with Hypothesis live, which shrinks the failure (see :mod:`.properties`). With
    ``shrink=False`` the replayed example is reported as it is: the same verdict, sooner, with a
    longer reproducer.
    """
    from .properties import live_hypothesis

    impl = as_implementation(impl)
    outcome, replay_failed = _attempt(case, impl, seed)
    if replay_failed and shrink:
        with live_hypothesis():
            live, _ = _attempt(case, impl, seed)
        if live.status == outcome.status:  # else a random failure did not come back alike: the replay's stands
            outcome = live
    return outcome


def _attempt(case: Case, impl: Implementation, seed: int) -> tuple[CaseOutcome, bool]:
    """The case's outcome, and whether it came from a replayed property example."""
    from .properties import ShrinkNeeded

    ctx = Context(case.clause, impl, seed)
    try:
        ctx.generators = impl.reseed(seed)  # every global generator, at every case, wherever the layers live
        case.check.func(ctx, **case.params)
    except KitError:
        raise  # the kit's own bug: never blamed on the implementation
    except ShrinkNeeded as exc:
        if isinstance(exc.original, KitError):
            raise exc.original from None
        return _classify(ctx, exc.original), True
    except Exception as exc:  # noqa: BLE001 - an implementation's error escaping a check
        return _classify(ctx, exc), False
    return CaseOutcome(Status.PASSED), False


def _classify(ctx: Context, exc: Exception) -> CaseOutcome:
    if isinstance(exc, ConformanceFailure):
        return CaseOutcome(Status.FAILED, exc.failure)
    if isinstance(exc, Blocked):
        return CaseOutcome(Status.BLOCKED, exc.failure, blocked_by=exc.prerequisite)
    if isinstance(exc, ProcessFailure):
        return CaseOutcome(Status.FAILED, ctx.failure(f"the implementation's process failed: {exc}"))
    return CaseOutcome(Status.FAILED, ctx.failure("the implementation raised an exception", raised=raised_by(exc)))


def case_seed(master: int, case: Case) -> int:
    """A case's own seed, from the master seed and the case key: stable across runs and workers.

    The implementation's name is not part of it, so every implementation sees the same inputs.
    """
    digest = hashlib.blake2b(f"{master}:{case.key}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big")


def run_all(
    impl: Implementation | Callable[..., Any],
    master_seed: int,
    profile: str = "spec",
    *,
    xfails: Sequence[Entry] = (),
    name: str = "",
) -> dict[str, CaseOutcome]:
    """Every case of ``profile`` against ``impl`` (an Implementation, or a class or factory taking p),
    without pytest: ``{case key: outcome}``; ``outcome.render("mypkg:Layer")`` is the readable message.

    With ``xfails`` (manifest entries, e.g. from ``expectations.load_file``), each outcome is judged
    as the pytest session judges it; ``name`` is what entries with an ``impl`` key must name.
    """
    from ..expectations import find, judge

    driver = as_implementation(impl)
    return {
        c.key: judge(run_case(c, driver, case_seed(master_seed, c)), find(list(xfails), name, c), c.statistical)
        for c in cases(profile)
    }


def false_failure_bound(profile: str = "spec") -> float:
    """Union bound on a correct layer failing any case of ``profile`` by chance."""
    return sum(c.chance() for c in cases(profile))
