"""``grade --dask SCHEDULER``: the local grader's per-submission work, dispatched to a Dask cluster.

Before any work is sent, a preflight task pinned to each worker checks that it runs this kit's
version and spec, that its sandbox isolation (probed there, as a local run probes here) meets
``--isolation``/``--allow-weak-isolation``, and that it can see the submissions, which workers read
where the grader found them (a file system every worker mounts at the same path). Any refusal is
one line naming the worker, before a submission is graded.

Each submission is one task (:func:`.remote.grade_task`): the grading process of a worker's thread
grades it in the kit's sandbox and returns the whole result model as plain JSON, with the isolation
it had.
Results are relabelled with the paths as given here, so every output equals a local run's with the
same seed, times aside. Ctrl-C sets the run's ``distributed.Event``; every task ends its sandbox
within about a second, and nothing is written.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .. import __version__
from ..sandbox.isolation import LEVELS, stops_tcp
from ..spec import SPEC_VERSION
from .grade import Submission, impl_value_of, lost
from .model import GradeRun, SubmissionResult
from .rubric import Rubric

CONNECT_TIMEOUT = 30.0
"""Seconds to reach the scheduler."""
PREFLIGHT_TIMEOUT = 300.0
"""Seconds for every worker's preflight (its isolation probe starts real sandboxes)."""
STOP_WAIT = 30.0
"""Seconds, after Ctrl-C, for the running tasks to report their sandboxes ended."""
EXTRA = "pip install 'dropout-conformance[dask]'"


class ClusterError(Exception):
    """The cluster cannot grade this class as asked (one line, naming the worker where it is one)."""


@dataclass(frozen=True)
class Settings:
    """The grade options a worker's sandbox needs."""

    attr: str
    timeout: float
    submission_timeout: float
    memory: int
    isolation: str
    allow_weak: bool


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise ClusterError(f"--dask needs Dask on this machine and on every worker: {EXTRA}") from None
    return distributed


def preflight_problem(answers: dict[str, Any]) -> str | None:
    """Why the workers' preflight answers (worker address: answer dict, or the exception its task raised)
    rule the cluster out; None when every worker can grade."""
    if not answers:
        return "the scheduler has no workers; start some (dask worker SCHEDULER) and grade again"
    for worker, found in sorted(answers.items()):
        if isinstance(found, BaseException):
            return (f"worker {worker} could not run the kit ({type(found).__name__}: {str(found)[:200]}); install "
                    f"dropout-conformance {__version__} with its dask extra on every worker")
        if (found.get("kit"), found.get("spec")) != (__version__, SPEC_VERSION):
            return (f"worker {worker} has dropout-conformance {found.get('kit')} (spec {found.get('spec')}), this grader "
                    f"{__version__} (spec {SPEC_VERSION}); install the same version on every worker")
        if found.get("problem"):
            return f"worker {worker}: {found['problem']}"
        if not stops_tcp(found["isolation"]):
            return (f"worker {worker}: its sandboxes could open TCP connections ({found['isolation']['description']}), and "
                    "a Dask scheduler runs any task sent to it; grade on workers whose sandboxes get namespaces (as root or "
                    "with user namespaces) or Landlock ABI 4")
        if found.get("missing"):
            return (f"worker {worker} cannot see {found['missing'][0]}; workers read each submission at the path the "
                    "grader found it, so put the submissions on a file system every worker mounts at the same path")
    return None


def run_isolation(records: list[dict[str, Any]]) -> tuple[dict[str, Any], bool]:
    """The run's isolation record from the submissions' (their sandboxes ran on different workers),
    and whether they differ. When they differ, the run reports the weakest, saying it is mixed."""
    distinct = {json.dumps(r, sort_keys=True): r for r in records if r}
    if len(distinct) <= 1:
        return next(iter(distinct.values()), {}), False
    weakest = min(distinct.values(), key=lambda r: (-LEVELS.index(r["level"]), r["landlock"], r["cgroup"]))
    return {**weakest, "mixed": len(distinct),
            "description": f"mixed across workers ({len(distinct)} kinds), the weakest: {weakest['description']}"}, True


def _relabelled(result: SubmissionResult, sub: Submission, rubric: Rubric, attr: str) -> SubmissionResult:
    """The result as the grader names the submission (its path as given here, not the absolute one sent)."""
    value = impl_value_of(sub, attr, rubric.convention)
    clauses = [dataclasses.replace(c, impl_value=value) for c in result.clauses]
    return dataclasses.replace(result, path=str(sub.source), clauses=clauses)


def _absolute(sub: Submission) -> Submission:
    return dataclasses.replace(sub, source=sub.source.resolve())


def _preflight(client: Any, distributed: Any, token: str, sent: list[Submission], settings: Settings) -> list[dict[str, Any]]:
    """Every worker's isolation record, once each has passed the preflight (else ClusterError)."""
    workers = sorted(client.nthreads())  # every worker (scheduler_info lists only 5 in some versions)
    paths = [str(s.source) for s in sent]
    from . import remote

    futures = {w: client.submit(remote.prepare, settings.isolation, settings.allow_weak, paths, workers=[w],
                                allow_other_workers=False, pure=False, key=f"dropout-prepare-{token}-{i}")
               for i, w in enumerate(workers)}
    distributed.wait(list(futures.values()), timeout=PREFLIGHT_TIMEOUT)
    answers: dict[str, Any] = {}
    for worker, future in futures.items():
        try:
            answers[worker] = future.result()
        except Exception as exc:  # noqa: BLE001 - the worker's failure is the answer
            answers[worker] = exc
    problem = preflight_problem(answers)
    if problem:
        raise ClusterError(problem)
    return [a["isolation"] for a in answers.values()]


def grade_on_cluster(
    address: str,
    subs: list[Submission],
    rubric: Rubric,
    seed: int,
    settings: Settings,
    *,
    profile: str = "rubric",
    started: Callable[[int, str], Any] | None = None,
    progress: Callable[[int, int, SubmissionResult], Any] | None = None,
) -> GradeRun:
    """Grade every submission on the cluster at ``address``; results in name order, as :func:`.grade.grade_all`."""
    distributed = _distributed()
    from . import remote
    from .shards import decode_submission

    try:
        client = distributed.Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(f"--dask {address}: no Dask scheduler answered there ({type(exc).__name__}: "
                           f"{str(exc)[:200]}); give the address `dask scheduler` printed, e.g. tcp://host:8786") from None
    token = uuid.uuid4().hex[:12]
    sent = [_absolute(sub) for sub in subs]  # workers do not share this process's working folder
    with client:
        records = _preflight(client, distributed, token, sent, settings)
        found, _ = run_isolation(records)
        if started:
            started(len(records), found["description"])
        event = distributed.Event(f"dropout-cancel-{token}", client=client)
        common = {"seed": seed, "rubric": rubric, "attr": settings.attr, "timeout": settings.timeout,
                  "submission_timeout": settings.submission_timeout, "memory": settings.memory,
                  "isolation": settings.isolation, "allow_weak": settings.allow_weak, "kit": __version__,
                  "spec": SPEC_VERSION}
        pairs = enumerate(zip(subs, sent, strict=True))
        futures = {client.submit(remote.grade_task, {**common, "submission": absolute}, event.name, pure=False,
                                 key=f"dropout-grade-{token}-{i}"): sub for i, (sub, absolute) in pairs}
        results: list[SubmissionResult] = []
        try:
            for future in distributed.as_completed(list(futures)):
                sub = futures[future]
                try:
                    answer = future.result()
                except distributed.KilledWorker:
                    answer = {"lost": "its worker died"}  # Dask retried it on others first
                except Exception as exc:  # noqa: BLE001 - a task that cannot run stops the run, naming why
                    why = f"{type(exc).__name__}: {str(exc)[:200]}"
                    raise ClusterError(f"grading {sub.name} failed on the cluster ({why})") from None
                if "problem" in answer:
                    raise ClusterError(f"a worker that joined after the preflight cannot grade: {answer['problem']}")
                if "error" in answer:
                    raise ClusterError(f"grading {sub.name} failed on a worker: {answer['error']}")
                if "result" in answer:
                    result = _relabelled(decode_submission(answer["result"]), sub, rubric, settings.attr)
                    result.isolation = answer["isolation"]
                else:
                    result = lost(sub, rubric, settings.attr)
                results.append(result)
                if progress:
                    progress(len(results), len(subs), result)
        except BaseException:  # Ctrl-C or a refusal: every task ends its sandbox and returns; the rest never start
            event.set()
            try:
                distributed.wait(list(futures), timeout=STOP_WAIT)
            except TimeoutError:
                pass  # a task that has not answered by now still ends its sandbox when it next looks
            client.cancel(list(futures), force=True)
            raise
    run = GradeRun(__version__, SPEC_VERSION, profile, seed, rubric.source)
    run.isolation, mixed = run_isolation([r.isolation for r in results] or [found])
    if not mixed:
        for r in results:
            r.isolation = {}  # all alike: the run's record says it, as a local run's does
    run.submissions = sorted(results, key=lambda r: r.name)
    return run
