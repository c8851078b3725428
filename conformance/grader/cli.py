"""The ``dropout-conformance`` command line: its options and help (``grade``, ``merge``, ``badge``,
``gradescope-zip``); ``grade`` and ``merge`` run in :mod:`.commands`."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from typing import Any

from .. import SPEC_VERSION, __version__
from .outputs import OUTPUTS
from .outputs.common import shown
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
    g.add_argument("--jobs", type=_positive(int), default=None, help="submissions graded at once (default: cores)")
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
    g.add_argument("--shard", type=_shard, default=None, metavar="K/N",
                   help="grade only shard K of N (every N-th submission in name order) into --shard-dir; needs --seed; "
                        "`dropout-conformance merge` then writes the outputs")
    g.add_argument("--shard-dir", default=None, metavar="DIR", help="with --shard: the folder this shard's results go to")
    g.add_argument("--dask", default=None, metavar="SCHEDULER",
                   help="grade on the Dask cluster whose scheduler is at this address (e.g. tcp://10.0.0.5:8786), each "
                        "submission in the kit's sandbox on a worker; needs the dask extra on this machine and every worker")
    _add_outputs(g)
    m = sub.add_parser(
        "merge",
        help="write the outputs of a class graded in shards (grade --shard K/N) from the shards' folders",
        description="Merge the folders of every shard of one class (grade --shard K/N --shard-dir DIR) and write any "
        "output grade writes, as one run with the same seed would. Refuses missing, duplicated or mismatched shards.",
    )
    m.add_argument("shards", nargs="+", metavar="SHARD_DIR")
    _add_outputs(m)
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


def _add_outputs(p: argparse.ArgumentParser) -> None:
    """The output options, which grade and merge share."""
    for output in OUTPUTS:
        p.add_argument(f"--{output.option}", metavar=output.metavar, help=f"{output.help} (read by {output.audience}s)")
    p.add_argument("--gradebook", nargs=2, metavar=("LMS", "FILE"),
                   help="write the grade-import CSV of LMS (canvas or moodle), one row per --roster student "
                   "with a submission (read by instructors, imported by the LMS)")
    p.add_argument("--roster", metavar="FILE",
                   help="CSV naming each student's submission and LMS identity, e.g. the LMS's own gradebook export "
                   "(see docs/instructors.md)")
    p.add_argument("--roster-key", default="submission", metavar="COLUMN",
                   help="the roster column holding submission names (default: submission; e.g. 'SIS Login ID')")
    p.add_argument("--assignment", default="Dropout layer", metavar="NAME",
                   help="the gradebook's grade column: for Canvas an existing assignment as its export names it, "
                   "'Title (ID)', or a new title (default: Dropout layer)")
    p.add_argument(
        "--release",
        action="store_true",
        help="grades are published: feedback files include the details of after_due_date/after_published clauses",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")


def _shard(text: str) -> Any:
    from .shards import Shard

    try:
        return Shard.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


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
    if args.command in ("grade", "merge"):
        from . import commands

        return commands.grade(args) if args.command == "grade" else commands.merge(args)
    if args.command == "badge":
        return badge(args)
    if args.command == "gradescope-zip":
        return gradescope_zip(args)
    return 2  # pragma: no cover - argparse requires a command


if __name__ == "__main__":
    sys.exit(main())
