"""``dropout-conformance grade PATH...``: grade a class of submissions, each in its own sandbox."""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from typing import Any

from .. import SPEC_VERSION, __version__
from .outputs import OUTPUTS
from .upload import DEFAULT_FILE

SIZE = re.compile(r"^(\d+(?:\.\d+)?)([KMG]?)i?B?$", re.IGNORECASE)
UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30}


def _size(text: str) -> int:
    m = SIZE.match(text.strip())
    if not m:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size; write e.g. 512M or 2G")
    return int(float(m.group(1)) * UNITS[m.group(2).upper()])


def _positive(kind: type) -> Any:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{text!r} must be positive")
        return value

    return parse


def _seed(text: str) -> int:
    from ..selection import SelectionError, parse_seed

    try:
        return parse_seed(text)
    except SelectionError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # one line, exit 2, as the house style asks
        self.exit(2, f"{self.prog}: error: {message}\n")


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="dropout-conformance", description="Spec-driven conformance kit for dropout layers.")
    p.add_argument("--version", action="version", version=f"dropout-conformance {__version__} (spec {SPEC_VERSION})")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    g = sub.add_parser(
        "grade",
        help="grade student submissions, each in its own sandboxed process",
        description="Grade DropoutLayer submissions against the spec. A PATH is a submission file, a folder "
        "holding one submission, or a folder of submission folders/files (one per student, named after it).",
    )
    g.add_argument("paths", nargs="+", metavar="PATH")
    g.add_argument("--entry", default=None, help="file to import inside a submission folder (default: dropout.py, or the only .py)")
    g.add_argument("--attr", default="DropoutLayer", help="class or factory to grade (default: DropoutLayer)")
    g.add_argument("--rubric", default=None, metavar="FILE", help="TOML rubric: points (and visibility) per clause")
    g.add_argument("--convention", default=None, metavar="NAME",
                   help="the convention submissions are written in: function-pair, keep-prob or flag-name=NAME "
                        "(default: the rubric's [convention], else the class or factory --attr)")
    g.add_argument("--param-means", default=None, choices=("keep", "drop"),
                   help="with --convention function-pair: dropout_param['p'] is the keep or the drop probability")
    g.add_argument("--submission-file", default=None, metavar="NAME",
                   help="single-submission mode: PATH is one upload, grade only its file NAME (e.g. dropout.py) and ignore "
                        "the rest; default: the rubric's [submission] file")
    g.add_argument(
        "--profile",
        choices=("core", "spec", "strict"),
        default="core",
        help="without --rubric: 1 point per clause of this profile (default core: the six published checks)",
    )
    g.add_argument("--seed", type=_seed, default=None, help="master seed (default: random, printed)")
    g.add_argument("--jobs", type=_positive(int), default=os.cpu_count() or 1, help="submissions graded at once (default: cores)")
    g.add_argument("--timeout", type=_positive(float), default=10.0, help="seconds per call into a submission (default 10)")
    g.add_argument("--submission-timeout", type=_positive(float), default=120.0, help="seconds per submission (default 120)")
    g.add_argument("--memory", type=_size, default=_size("2G"), help="address-space limit per submission (default 2G)")
    g.add_argument(
        "--isolation",
        choices=("auto", "namespaces", "uid", "weak"),
        default="auto",
        help="sandbox isolation (default auto: the strongest this machine allows; see docs/instructors.md)",
    )
    g.add_argument(
        "--allow-weak-isolation",
        action="store_true",
        help="grade even where the sandbox gets neither an identity of its own nor an every-descendant kill "
        "(every output then says so)",
    )
    for output in OUTPUTS:
        g.add_argument(f"--{output.option}", metavar=output.metavar, help=f"{output.help} (read by {output.audience}s)")
    g.add_argument("--gradebook", nargs=2, metavar=("LMS", "FILE"),
                   help="write the grade-import CSV of LMS (canvas or moodle), one row per --roster student "
                   "with a submission (read by instructors, imported by the LMS)")
    g.add_argument("--roster", metavar="FILE",
                   help="CSV naming each student's submission and LMS identity, e.g. the LMS's own gradebook export "
                   "(see docs/instructors.md)")
    g.add_argument("--roster-key", default="submission", metavar="COLUMN",
                   help="the roster column holding submission names (default: submission; e.g. 'SIS Login ID')")
    g.add_argument("--assignment", default="Dropout layer", metavar="NAME",
                   help="the gradebook's grade column: for Canvas an existing assignment as its export names it, "
                   "'Title (ID)', or a new title (default: Dropout layer)")
    g.add_argument(
        "--release",
        action="store_true",
        help="grades are published: feedback files include the details of after_due_date/after_published clauses",
    )
    g.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    b = sub.add_parser(
        "badge",
        help="write a README badge (shields.io endpoint JSON) from a --dropout-report JSON report",
        description="Count the MUST (and, under strict, SHOULD) clauses an implementation passed in a JSON "
        "report and write shields.io's endpoint JSON, e.g. 'dropout spec 1.1 | 17/17 MUST'.",
    )
    b.add_argument("report", metavar="REPORT.json", help="a report written by pytest --dropout-report")
    b.add_argument("--impl", default=None, metavar="NAME", help="the implementation (default: the only one besides the baseline)")
    b.add_argument("-o", "--output", default=None, metavar="PATH", help="write the badge JSON here (default: standard output)")
    z = sub.add_parser(
        "gradescope-zip",
        help="build the autograder zip to upload to Gradescope",
        description="Build a Gradescope autograder zip: setup.sh and run_autograder at its root, the rubric, this "
        "kit's own wheel, and the kit's dependencies pinned to the versions installed here (see docs/instructors.md).",
    )
    z.add_argument("out", metavar="OUT.zip", help="the zip to write")
    z.add_argument("--rubric", required=True, metavar="FILE", help="TOML rubric: points and visibility per clause")
    z.add_argument("--submission-file", default=None, metavar="NAME",
                   help=f"the one file a student submits (default: the rubric's [submission] file, else {DEFAULT_FILE})")
    return p


def badge(args: argparse.Namespace) -> int:
    import json

    from ..badge import BadgeError, endpoint, load
    from ..report import unwritable
    from .outputs.common import write_atomic

    problem = unwritable(args.output) if args.output else None
    try:
        if problem:
            raise BadgeError(f"--output {args.output}: {problem}")
        data = json.dumps(endpoint(load(args.report), args.impl)) + "\n"
    except BadgeError as exc:
        print(shown(f"dropout-conformance badge: error: {exc}"), file=sys.stderr)
        return 2
    if args.output:
        write_atomic(args.output, data)
    else:
        sys.stdout.write(data)
    return 0


def shown(text: str) -> str:
    """``text`` safe for a terminal: submission names and reasons come from students' file names, and a
    control character (an escape sequence, a carriage return) must not rewrite the instructor's screen."""
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)


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


def _isolation(args: argparse.Namespace) -> tuple[Any, str | None]:
    """The isolation to grade with, or why the grader refuses to grade."""
    from ..sandbox import probe
    from ..sandbox.isolation import choose

    found = probe.run()
    try:
        isolation = choose(found, args.isolation)
    except ValueError as exc:
        return None, str(exc)
    if not isolation.strong and not args.allow_weak_isolation and args.isolation == "weak":
        return None, ("--isolation weak gives sandboxes neither an identity of their own nor an every-descendant kill; "
                      "add --allow-weak-isolation to grade with it anyway (every output will say so)")
    if not isolation.strong and not args.allow_weak_isolation:
        return None, (
            f"the sandbox cannot get an identity of its own and an every-descendant kill here ({isolation.reason}); "
            "run the grader as root, or where user namespaces are allowed, or pass --allow-weak-isolation "
            "to grade anyway (every output will say so)"
        )
    return isolation, None


def grade(args: argparse.Namespace) -> int:
    from ..conventions import ConventionError
    from ..sandbox.parent import Limits
    from ..selection import parse_seed
    from .grade import DiscoveryError, attr_nobody_defines, discover, grade_all, upload_submission
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
    problem = _unwritable_output(args) or (attr_nobody_defines(subs, args.attr) if needs_attr else None)
    if problem:
        print(f"dropout-conformance grade: error: {problem}", file=sys.stderr)
        return 2
    gradebook, problem = _gradebook_plan(args, [s.name for s in subs])
    if problem:
        print(shown(f"dropout-conformance grade: error: {problem}"), file=sys.stderr)
        return 2
    per_submission = [f"--{o.option}" for o in OUTPUTS if o.one_submission and getattr(args, o.option)]
    if per_submission and len(subs) != 1:
        print(f"dropout-conformance grade: error: {', '.join(per_submission)}: one submission per run, found {len(subs)}; "
              "grade them one at a time", file=sys.stderr)
        return 2
    seed = args.seed if args.seed is not None else parse_seed(None)
    isolation, problem = _isolation(args)
    if problem:
        print(f"dropout-conformance grade: error: {problem}", file=sys.stderr)
        return 2
    assert isolation is not None
    batch = tempfile.mkdtemp(prefix="dropout-batch-")
    os.chmod(batch, 0o711)  # its folders' names are random; level uid's sandboxes must reach their own
    # Hypothesis keeps a cache folder: never in the instructor's (or Gradescope's) folder, and gone at the end
    previous = os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY")
    os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = os.path.join(batch, "hypothesis")
    limits = Limits(call_timeout=args.timeout, submission_timeout=args.submission_timeout, memory=args.memory,
                    isolation=isolation, temp_root=batch)
    if not args.quiet:
        print(
            f"dropout-conformance {__version__}, spec {SPEC_VERSION}: grading {len(subs)} submission(s), "
            f"{rubric.source}, --seed={seed}, {args.jobs} at a time\nisolation: {isolation.describe()}",
            file=sys.stderr,
        )
    try:
        run = grade_all(subs, rubric, seed, limits, attr=args.attr, jobs=args.jobs, profile=args.profile,
                        progress=_progress(sys.stderr, args.quiet))
    except KeyboardInterrupt:
        print("\ndropout-conformance grade: interrupted; every sandbox was ended and no output was written", file=sys.stderr)
        return 130
    finally:
        shutil.rmtree(batch, ignore_errors=True)
        if isolation.cgroup:
            from ..sandbox.confine import cgroup_group, remove_cgroup_group

            remove_cgroup_group(cgroup_group(batch))
        if previous is None:
            os.environ.pop("HYPOTHESIS_STORAGE_DIRECTORY", None)
        else:
            os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = previous
    for output in OUTPUTS:
        target = getattr(args, output.option)
        if target:
            output.write(run, target, args.release)
            if not args.quiet:
                print(f"wrote {target}", file=sys.stderr)
    if gradebook:
        _write_gradebook(gradebook, run, args.assignment)
    if not args.quiet:
        for s in run.submissions:
            print(shown(f"{s.name}: {s.score:g}/{s.max_score:g} {s.status}{': ' + s.reason if s.reason else ''}"))
    return 0


def gradescope_zip(args: argparse.Namespace) -> int:
    from ..report import unwritable
    from .autograder.bundle import BundleError, build_zip
    from .autograder.wheel import WheelError

    problem = unwritable(args.out)
    if problem:
        print(shown(f"dropout-conformance gradescope-zip: error: {args.out}: {problem}"), file=sys.stderr)
        return 2
    try:
        names = build_zip(args.out, args.rubric, args.submission_file)
    except (BundleError, WheelError) as exc:
        print(shown(f"dropout-conformance gradescope-zip: error: {exc}"), file=sys.stderr)
        return 2
    print(f"wrote {shown(args.out)}: {', '.join(names)}")
    print(f"built with Python {sys.version_info.major}.{sys.version_info.minor}: setup.sh installs that version on the image")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "grade":
        return grade(args)
    if args.command == "badge":
        return badge(args)
    if args.command == "gradescope-zip":
        return gradescope_zip(args)
    return 2  # pragma: no cover - argparse requires a command


if __name__ == "__main__":
    sys.exit(main())
