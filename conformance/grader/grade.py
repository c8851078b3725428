"""Grading: find submissions, run the rubric's checks against each one in its sandbox, score them.

The checks are the suite's own (:mod:`dropout_conformance.checks`), driven through a
:class:`~.sandbox.SandboxedFactory`; nothing here knows what a check does.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import __version__
from ..results import CaseOutcome, ClauseVerdict, Status
from ..sandbox import probe
from ..sandbox.intake import Refused
from ..sandbox.integrity import policy_for
from ..sandbox.isolation import Isolation
from ..sandbox.parent import CallTimeout, Limits, SandboxedFactory, SandboxError, SetupFailed, SubmissionTimeout
from ..spec import SPEC_VERSION, clause
from .model import ClauseScore, GradeRun, SubmissionResult
from .rubric import Rubric, RubricLine
from .upload import find_submission_file, missing_message


class DiscoveryError(Exception):
    """A PATH that names no submission."""


@dataclass(frozen=True)
class Submission:
    name: str
    source: Path
    """The submission's folder, or its single file."""
    entry: str | None
    """The file to import, relative to ``source`` (None: nothing suitable was found)."""
    missing: str = ""
    """Single-submission mode, file not found: what was expected and what the upload held (student names, printable)."""


def _entry_in(folder: Path, entry: str | None) -> str | None:
    if entry:
        return entry if (folder / entry).is_file() else None
    if (folder / "dropout.py").is_file():
        return "dropout.py"
    files = sorted(p.name for p in folder.glob("*.py") if p.name not in ("conftest.py", "__init__.py"))
    return files[0] if len(files) == 1 else None


def discover(paths: Iterable[str], entry: str | None = None) -> list[Submission]:
    """Submissions named by PATHs: a file, a folder holding one submission, or a folder of them."""
    found: list[Submission] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise DiscoveryError(f"{raw}: no such file or folder")
        if path.is_file():
            if path.suffix != ".py":
                raise DiscoveryError(f"{raw}: a submission file must be a .py file")
            found.append(Submission(path.stem, path, path.name))
            continue
        if not os.access(path, os.R_OK | os.X_OK):
            raise DiscoveryError(f"{raw}: folder is not readable")
        single = _entry_in(path, entry)
        children = sorted(p for p in path.iterdir() if not p.name.startswith((".", "_")))
        if single and not any(c.is_dir() for c in children):
            found.append(Submission(path.resolve().name, path, single))
            continue
        for item in children:
            if item.is_dir():
                found.append(Submission(item.name, item, _entry_in(item, entry)))
            elif item.suffix == ".py" and item.name != "conftest.py":
                found.append(Submission(item.stem, item, item.name))
    if not found:
        raise DiscoveryError(f"no submissions found in {', '.join(paths)}")
    names = [s.name for s in found]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise DiscoveryError(f"two submissions share the name(s) {', '.join(dupes)}; grade them separately")
    return found


def upload_submission(upload: str, file_name: str) -> Submission:
    """Single-submission mode: the one file ``file_name`` in the upload folder, the rest ignored
    (:mod:`.upload`); a submission with no entry, and the student's message, when it is not there."""
    path = Path(upload)
    if not path.is_dir():
        raise DiscoveryError(f"{upload}: single-submission mode ([submission] file = {file_name!r}) takes the upload folder")
    found = find_submission_file(path, file_name)
    if found.path is None:
        return Submission(path.resolve().name, path, None, missing_message(file_name, found))
    return Submission(path.resolve().name, found.path, found.path.name)


SCAN_LIMIT = 2**20
"""Bytes of a submission's entry file read to list the names it defines (never more, never executed)."""


def defined_names(sub: Submission) -> set[str] | None:
    """The names the submission's entry file defines at top level (classes, functions, assignments),
    read with ``ast`` and never run; None when that cannot be told (no regular file, too big, not Python).
    Opened without following links and without blocking: the file is untrusted."""
    import ast
    import stat

    if sub.entry is None:
        return None
    path = sub.source / sub.entry if sub.source.is_dir() else sub.source
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > SCAN_LIMIT:
            return None
        source = os.read(fd, SCAN_LIMIT)
    finally:
        os.close(fd)
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def attr_nobody_defines(subs: list[Submission], attr: str) -> str | None:
    """The error for an ``--attr`` that no submission of a class defines, naming the classes that
    they do define; None when one does, when names cannot be read, or for a single submission
    (whose own report says what it lacks)."""
    if len(subs) < 2:
        return None
    found = [names for names in (defined_names(s) for s in subs) if names is not None]
    if not found or any(attr in names for names in found):
        return None
    counts: dict[str, int] = {}
    for names in found:
        for name in names:
            if name[:1].isupper():
                counts[name] = counts.get(name, 0) + 1
    common = sorted(counts, key=lambda n: (-counts[n], n))[:5]
    listed = ", ".join(f"{n} ({counts[n]})" for n in common) or "none"
    return f"--attr {attr}: no submission defines {attr}; capitalised names they define (submissions): {listed}"


def _score(line: RubricLine, verdict: ClauseVerdict[CaseOutcome], partial: bool, impl_value: str, cause: str = "",
           seconds: float = 0.0) -> ClauseScore:
    c = clause(line.clause)
    fraction = verdict.passed / verdict.total if verdict.total else 0.0
    earned = fraction if partial else float(verdict.status is Status.PASSED)
    return ClauseScore(c.id, c.title, c.level, line.points * earned, line.points, verdict, line.visibility,  # type: ignore[arg-type]
                       impl_value, cause, seconds)


def _not_run(line: RubricLine, total: int, impl_value: str, cause: str) -> ClauseScore:
    return _score(line, ClauseVerdict.from_cases(line.clause, (), total), False, impl_value, cause)


def _cases_by_clause(rubric: Rubric) -> dict[str, list[Any]]:
    from ..checks import cases

    return {cid: [c for c in cases("strict") if c.clause == cid] for cid in rubric.clauses}


def impl_value_of(sub: Submission, attr: str, convention: str | None = None) -> str:
    """The ``--dropout-impl`` value that loads the submission outside the grader."""
    source_file = sub.source / (sub.entry or "") if sub.source.is_dir() else sub.source
    if convention and convention.startswith("function-pair"):
        return f"{convention}:{source_file}"
    return f"{convention}:{source_file}:{attr}" if convention else f"{source_file}:{attr}"


def _none_run(rubric: Rubric, by_clause: dict[str, list[Any]], impl_value: str, cause: str) -> list[ClauseScore]:
    """Every rubric clause scored 0 as not run, for one ``cause``."""
    return [_not_run(line, len(by_clause[line.clause]), impl_value, cause) for line in rubric.lines]


def grade_submission(sub: Submission, rubric: Rubric, seed: int, limits: Limits, attr: str = "DropoutLayer") -> SubmissionResult:
    """Every rubric clause's cases against one sandboxed submission."""
    from ..checks import case_seed, run_case

    start = time.monotonic()
    result = SubmissionResult(sub.name, str(sub.source), "graded", "")
    by_clause = _cases_by_clause(rubric)
    impl_value = impl_value_of(sub, attr, rubric.convention)

    def not_run_all(cause: str) -> list[ClauseScore]:
        return _none_run(rubric, by_clause, impl_value, cause)

    if sub.entry is None:
        result.status = "no submission"
        result.reason = sub.missing or "no dropout.py (or single .py file) in the submission"
        result.clauses = not_run_all("the expected file is not in the upload (see the submission's status)" if sub.missing
                                     else result.reason)
        return result
    kit_cause = {  # a clause's reason is the kit's words; the submission's own stay in result.reason
        "timed out": "the submission timed out while importing",
        "crashed": "the submission crashed while importing",
        "missing class": f"the submission has no {attr}",
        "import error": "the submission did not import (see its status)",
        "refused": "the submission was refused (see its status)",
    }
    if limits.isolation is None:
        limits = dataclasses.replace(limits, isolation=probe.best())
    policy = policy_for(rubric.forbid_imports)
    factory = SandboxedFactory(sub.source, sub.entry, attr, limits, policy, rubric.convention or "")
    cause = ""
    try:
        try:
            factory.start()
        except Refused as exc:
            result.status, result.reason = "refused", str(exc)
        except SetupFailed:
            result.status, result.reason = "crashed", "the sandbox could not be set up on this machine"
        except SandboxError as exc:
            result.status = "timed out" if isinstance(exc, (CallTimeout, SubmissionTimeout)) else "crashed"
            result.reason = f"importing {sub.entry}: {exc}"
        except Exception as exc:  # noqa: BLE001 - the submission's own import-time exception, rebuilt
            missing = isinstance(exc, AttributeError) and attr in str(exc)
            result.status = "missing class" if missing else "import error"
            result.reason = f"{sub.entry} has no {attr}" if missing else f"importing {sub.entry} raised {exc}"
            cause = policy.cause(exc)
        if result.status != "graded":
            result.clauses = not_run_all(cause or kit_cause[result.status])
            return result
        timed_out = ""
        for line in rubric.lines:
            outcomes: list[CaseOutcome] = []
            clause_start = time.monotonic()
            for case in by_clause[line.clause] if not timed_out else ():
                # a clause's first failure is shrunk for the feedback; its verdict never depends on it
                shrink = not any(o.status is Status.FAILED for o in outcomes)
                outcomes.append(run_case(case, factory, case_seed(seed, case), shrink=shrink))
                if factory.deadline <= time.monotonic():
                    timed_out = f"the submission used up its {limits.submission_timeout:g} s time limit"
                    break
            verdict = ClauseVerdict.from_cases(line.clause, outcomes, len(by_clause[line.clause]))
            if verdict.status is Status.NOT_RUN:  # the time ran out in this clause or an earlier one
                result.status, result.reason = "timed out", timed_out
            result.clauses.append(_score(line, verdict, rubric.partial_credit, impl_value, timed_out,
                                         time.monotonic() - clause_start))
    finally:
        factory.close()
        result.output = factory.output
        result.execution_time = time.monotonic() - start
    return result


def _grade_one(args: tuple[Submission, Rubric, int, Limits, str]) -> SubmissionResult:
    return grade_submission(*args)


def _grade_marked(marker: Path, args: tuple[Submission, Rubric, int, Limits, str]) -> SubmissionResult:
    marker.touch()  # this submission is in a worker now: if the worker dies, it is a suspect
    return grade_submission(*args)


def _worker_init() -> None:
    """Pool workers leave Ctrl-C to the grader, which ends them (and so their sandboxes) itself."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def lost(sub: Submission, rubric: Rubric, attr: str) -> SubmissionResult:
    """A submission whose grading process died, twice (here or on a Dask worker): scored 0 with a plain reason."""
    result = SubmissionResult(sub.name, str(sub.source), "crashed", "the grader's worker process died while grading it")
    result.clauses = _none_run(rubric, _cases_by_clause(rubric), impl_value_of(sub, attr, rubric.convention), result.reason)
    return result


def _pooled(work: list[tuple[Submission, Rubric, int, Limits, str]], jobs: int, scratch: Path,
            grade: Callable[..., SubmissionResult] | None = None) -> Iterator[SubmissionResult]:
    """Results as they finish, ``jobs`` processes at a time. A pool that breaks (a worker killed)
    is replaced; the submissions it was grading are retried once, each in a pool of its own, and
    one that breaks that pool too is scored as lost: no submission can cost the batch."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    pending, suspects = list(range(len(work))), list[int]()
    markers = [scratch / f"started-{i}" for i in range(len(work))]
    while pending:
        alone = suspects[:1]
        batch = alone or [i for i in pending if i not in suspects]
        with ProcessPoolExecutor(1 if alone else jobs, mp_context=ctx, initializer=_worker_init) as pool:
            futures = {pool.submit(grade or _grade_marked, markers[i], work[i]): i for i in batch}
            broken = False
            try:
                for future in as_completed(futures):
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        broken = True
                        continue
                    pending.remove(futures[future])
                    yield result
            except BaseException:  # Ctrl-C: end the workers now; their sandboxes die with them
                for proc in list((getattr(pool, "_processes", None) or {}).values()):
                    proc.terminate()
                raise
        if alone and broken:
            i = alone[0]
            pending.remove(i)
            yield lost(work[i][0], work[i][1], work[i][4])
        if alone:
            suspects.remove(alone[0])
        elif broken:
            suspects = [i for i in pending if markers[i].exists()] or [i for i in batch if i in pending]


def acceptable_isolation(found: dict[str, Any], wanted: str, allow_weak: bool) -> tuple[Isolation | None, str | None]:
    """The isolation to grade with, from a probe's findings (:func:`~.sandbox.probe.run`), or why the
    grader refuses to grade (the one-line error, in the command line's words)."""
    from ..sandbox.isolation import choose

    try:
        isolation = choose(found, wanted)
    except ValueError as exc:
        return None, str(exc)
    if not isolation.strong and not allow_weak and wanted == "weak":
        return None, ("--isolation weak gives sandboxes neither an identity of their own nor an every-descendant kill; "
                      "add --allow-weak-isolation to grade with it anyway (every output will say so)")
    if not isolation.strong and not allow_weak:
        return None, (
            f"the sandbox cannot get an identity of its own and an every-descendant kill here ({isolation.reason}); "
            "run the grader as root, or where user namespaces are allowed, or pass --allow-weak-isolation "
            "to grade anyway (every output will say so)"
        )
    return isolation, None


@contextlib.contextmanager
def batch_folder(isolation: Isolation) -> Iterator[str]:
    """A private folder for one grading run's sandboxes, removed (with their cgroups) at the end.
    Hypothesis keeps its cache folder there: never in the instructor's (or Gradescope's) folder."""
    batch = tempfile.mkdtemp(prefix="dropout-batch-")
    os.chmod(batch, 0o711)  # its folders' names are random; level uid's sandboxes must reach their own
    previous = os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY")
    os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = os.path.join(batch, "hypothesis")
    try:
        yield batch
    finally:
        shutil.rmtree(batch, ignore_errors=True)
        if isolation.cgroup:
            from ..sandbox.confine import cgroup_group, remove_cgroup_group

            remove_cgroup_group(cgroup_group(batch))
        if previous is None:
            os.environ.pop("HYPOTHESIS_STORAGE_DIRECTORY", None)
        else:
            os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = previous


def grade_all(
    subs: list[Submission],
    rubric: Rubric,
    seed: int,
    limits: Limits,
    *,
    attr: str = "DropoutLayer",
    jobs: int = 1,
    profile: str = "rubric",
    progress: Callable[[int, int, SubmissionResult], Any] | None = None,
) -> GradeRun:
    """Grade every submission, ``jobs`` at a time; results come back in name order."""
    run = GradeRun(__version__, SPEC_VERSION, profile, seed, rubric.source)
    if limits.isolation is not None:
        run.isolation = limits.isolation.record()
    work = [(s, rubric, seed, limits, attr) for s in subs]
    results: list[SubmissionResult] = []
    with tempfile.TemporaryDirectory(prefix="dropout-pool-", dir=limits.temp_root) as scratch:
        iterator: Iterable[SubmissionResult] = map(_grade_one, work) if jobs <= 1 else _pooled(work, jobs, Path(scratch))
        for r in iterator:
            results.append(r)
            if progress:
                progress(len(results), len(work), r)
    run.submissions = sorted(results, key=lambda r: r.name)
    return run
