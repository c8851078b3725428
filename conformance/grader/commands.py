"""``dropout-conformance grade`` and ``merge``: the checks made before grading (so a typo never costs
a batch), grading with progress, and writing the outputs, which both commands share."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from typing import Any

from .. import SPEC_VERSION, __version__
from .outputs import OUTPUTS
from .outputs.common import shown


def _progress(stream: Any, quiet: bool) -> Any:
    tty = stream.isatty()
    start = time.monotonic()

    def show(done: int, total: int, result: Any) -> None:
        if quiet:
            return
        rate = done / max(time.monotonic() - start, 1e-9)
        if tty:
            bar = "#" * int(30 * done / total)
            stream.write(f"\r[{bar:<30}] {done}/{total} {rate:.1f}/s  {shown(result.name)[:30]:<30}")
            if done == total:
                stream.write("\n")
        else:
            stream.write(shown(f"{done}/{total} {result.name}: {result.score:g}/{result.max_score:g} {result.status}") + "\n")
        stream.flush()

    return show


def _unwritable_output(args: argparse.Namespace) -> str | None:
    """Check every output location before grading, so a typo never costs a whole batch."""
    from ..report import unwritable

    for output in OUTPUTS:
        value = getattr(args, output.option)
        problem = unwritable(value, folder=output.folder) if value else None
        if problem:
            return f"--{output.option} {value}: {problem}"
    return None


def _gradebook_plan(args: argparse.Namespace, names: list[str]) -> tuple[Any, str | None]:
    """The roster and its matching for ``--gradebook``, checked before grading, or why they cannot be used."""
    from ..report import unwritable
    from .outputs.lms import LMSES, assignment_problem, roster_problem
    from .roster import RosterError, load_roster

    if args.gradebook is None:
        return None, ("--roster is read only with --gradebook canvas|moodle FILE" if args.roster else None)
    lms, target = args.gradebook
    if lms not in LMSES:
        return None, f"--gradebook {lms}: choose canvas or moodle"
    if not args.roster:
        return None, f"--gradebook {lms} needs --roster FILE: a CSV naming each student's submission and {lms} identity"
    try:
        roster = load_roster(args.roster, args.roster_key)
    except RosterError as exc:
        return None, str(exc)
    bad_path = unwritable(target)
    problem = (f"--gradebook {lms} {target}: {bad_path}" if bad_path else None) or roster_problem(lms, roster) \
        or assignment_problem(lms, args.assignment)
    if problem:
        return None, problem
    matching = roster.match(names)
    if names and not matching.pairs:
        return None, (f"roster {args.roster}: no submission name is in its column {roster.key!r} (e.g. {names[0]!r}); "
                      "name the column holding them with --roster-key")
    return (lms, target, roster, matching), None


def _write_gradebook(plan: Any, run: Any, assignment: str) -> None:
    from .outputs.lms import report, write_gradebook

    lms, target, roster, matching = plan
    written = write_gradebook(lms, run, roster, matching, assignment, target)
    for line in report(lms, target, roster, written):
        print(shown(line), file=sys.stderr)


def grade(args: argparse.Namespace) -> int:
    from ..conventions import ConventionError
    from ..selection import parse_seed
    from .grade import DiscoveryError, attr_nobody_defines, discover, upload_submission
    from .rubric import RubricError, convention_head, load_rubric, profile_rubric
    from .upload import valid_file_name

    try:
        rubric = load_rubric(args.rubric) if args.rubric else profile_rubric(args.profile)
        if args.convention or args.param_means:
            if not args.convention:
                raise RubricError("--param-means needs --convention function-pair")
            rubric = dataclasses.replace(rubric, convention=convention_head(args.convention, args.param_means))
        single = args.submission_file or rubric.submission_file
        problem = valid_file_name(single) if single else None
        if problem:
            raise DiscoveryError(f"--submission-file: {problem}")
        if single and len(args.paths) != 1:
            raise DiscoveryError(f"single-submission mode (grading {single}) takes one upload folder, got {len(args.paths)} paths")
        subs = [upload_submission(args.paths[0], single)] if single else discover(args.paths, args.entry)
    except (DiscoveryError, RubricError, ConventionError) as exc:
        print(shown(f"dropout-conformance grade: error: {exc}"), file=sys.stderr)
        return 2
    needs_attr = not (rubric.convention or "").startswith("function-pair")  # a function pair has fixed names
    problem = _shard_problem(args, single) or _dask_problem(args, single) or _unwritable_output(args) \
        or (attr_nobody_defines(subs, args.attr) if needs_attr else None)
    if problem:
        print(shown(f"dropout-conformance grade: error: {problem}"), file=sys.stderr)
        return 2
    all_names = [s.name for s in subs]
    if args.shard:
        mine = set(args.shard.take(all_names))
        subs = [s for s in subs if s.name in mine]
    gradebook, problem = _gradebook_plan(args, [s.name for s in subs])
    problem = problem or _one_submission_problem(args, len(subs))
    if problem:
        print(shown(f"dropout-conformance grade: error: {problem}"), file=sys.stderr)
        return 2
    seed = args.seed if args.seed is not None else parse_seed(None)
    part = f" (shard {args.shard} of {len(all_names)})" if args.shard else ""
    try:
        run = (_grade_on_cluster if args.dask else _grade_here)(args, subs, rubric, seed, part)
    except KeyboardInterrupt:
        print("\ndropout-conformance grade: interrupted; every sandbox was ended and no output was written", file=sys.stderr)
        return 130
    if run is None:
        return 2
    if args.shard:
        from .shards import write_shard

        settings = {"attr": args.attr, "entry": args.entry, "timeout": args.timeout,
                    "submission_timeout": args.submission_timeout, "memory": args.memory}
        write_shard(run, args.shard_dir, args.shard, all_names, settings, rubric)
        if not args.quiet:
            print(shown(f"wrote shard {args.shard} ({len(subs)} submission(s)) to {args.shard_dir}"), file=sys.stderr)
    _write_outputs(args, run, gradebook)
    return 0


def _grade_here(args: argparse.Namespace, subs: list[Any], rubric: Any, seed: int, part: str) -> Any:
    """Grade on this machine, ``--jobs`` at a time: the run, or None after printing why it cannot start."""
    from ..sandbox import probe
    from ..sandbox.parent import Limits
    from .grade import acceptable_isolation, batch_folder, grade_all

    isolation, problem = acceptable_isolation(probe.run(), args.isolation, args.allow_weak_isolation)
    if problem:
        print(f"dropout-conformance grade: error: {problem}", file=sys.stderr)
        return None
    assert isolation is not None
    jobs = args.jobs or os.cpu_count() or 1
    if not args.quiet:
        print(
            f"dropout-conformance {__version__}, spec {SPEC_VERSION}: grading {len(subs)} submission(s){part}, "
            f"{rubric.source}, --seed={seed}, {jobs} at a time\nisolation: {isolation.describe()}",
            file=sys.stderr,
        )
    with batch_folder(isolation) as batch:
        limits = Limits(call_timeout=args.timeout, submission_timeout=args.submission_timeout, memory=args.memory,
                        isolation=isolation, temp_root=batch)
        return grade_all(subs, rubric, seed, limits, attr=args.attr, jobs=jobs, profile=args.profile,
                         progress=_progress(sys.stderr, args.quiet))


def _grade_on_cluster(args: argparse.Namespace, subs: list[Any], rubric: Any, seed: int, part: str) -> Any:
    """Grade on the Dask cluster at ``--dask``: the run, or None after printing why it cannot start."""
    from .cluster import ClusterError, Settings, grade_on_cluster

    settings = Settings(args.attr, args.timeout, args.submission_timeout, args.memory, args.isolation,
                        args.allow_weak_isolation)

    def started(workers: int, isolation: str) -> None:
        if not args.quiet:
            print(f"dropout-conformance {__version__}, spec {SPEC_VERSION}: grading {len(subs)} submission(s){part}, "
                  f"{rubric.source}, --seed={seed}, on the Dask cluster at {args.dask} ({workers} worker(s))\n"
                  f"isolation: {isolation}", file=sys.stderr)

    try:
        return grade_on_cluster(args.dask, subs, rubric, seed, settings, profile=args.profile, started=started,
                                progress=_progress(sys.stderr, args.quiet))
    except ClusterError as exc:
        print(shown(f"dropout-conformance grade: error: {exc}"), file=sys.stderr)
        return None


def _write_outputs(args: argparse.Namespace, run: Any, gradebook: Any) -> None:
    for output in OUTPUTS:
        target = getattr(args, output.option)
        if target:
            output.write(run, target, args.release)
            if not args.quiet:
                print(shown(f"wrote {target}"), file=sys.stderr)
    if gradebook:
        _write_gradebook(gradebook, run, args.assignment)
    if not args.quiet:
        for s in run.submissions:
            print(shown(f"{s.name}: {s.score:g}/{s.max_score:g} {s.status}{': ' + s.reason if s.reason else ''}"))


def _one_submission_problem(args: argparse.Namespace, count: int) -> str | None:
    per_submission = [f"--{o.option}" for o in OUTPUTS if o.one_submission and getattr(args, o.option)]
    if per_submission and count != 1:
        return f"{', '.join(per_submission)}: one submission per run, found {count}; grade them one at a time"
    return None


def _dask_problem(args: argparse.Namespace, single: str | None) -> str | None:
    """Why ``--dask`` cannot be used as given."""
    if not args.dask:
        return None
    if args.jobs:
        return "--jobs sizes the local pool; on a Dask cluster each worker thread grades one submission at a time"
    if single:
        return "--dask grades a folder of submissions; single-submission mode grades one upload here"
    return None


def _shard_problem(args: argparse.Namespace, single: str | None) -> str | None:
    """Why ``--shard``/``--shard-dir`` cannot be used as given: a shard writes its results, merge the outputs."""
    from ..report import unwritable

    if not args.shard and not args.shard_dir:
        return None
    if not args.shard or not args.shard_dir:
        return "--shard K/N and --shard-dir DIR go together: the shard's results go to DIR"
    if args.seed is None:
        return "--shard needs --seed: every shard of a class must grade with the same master seed"
    if single:
        return "--shard splits a folder of submissions; single-submission mode grades one upload"
    outputs = [f"--{o.option}" for o in OUTPUTS if getattr(args, o.option)] + (["--gradebook"] if args.gradebook else [])
    if outputs:
        return f"{', '.join(outputs)}: a shard writes only its results; pass the outputs to `dropout-conformance merge`"
    problem = unwritable(args.shard_dir, folder=True)
    return f"--shard-dir {args.shard_dir}: {problem}" if problem else None


def merge(args: argparse.Namespace) -> int:
    from .shards import ShardError, merge_shards

    try:
        run = merge_shards(args.shards)
    except ShardError as exc:
        print(shown(f"dropout-conformance merge: error: {exc}"), file=sys.stderr)
        return 2
    gradebook, problem = _gradebook_plan(args, [s.name for s in run.submissions])
    problem = problem or _unwritable_output(args) or _one_submission_problem(args, len(run.submissions))
    if problem:
        print(shown(f"dropout-conformance merge: error: {problem}"), file=sys.stderr)
        return 2
    if not args.quiet:
        print(f"dropout-conformance {__version__}: merged {len(args.shards)} shard(s), {len(run.submissions)} submission(s), "
              f"--seed={run.seed}", file=sys.stderr)
    _write_outputs(args, run, gradebook)
    return 0
