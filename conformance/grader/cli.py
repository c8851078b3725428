"""``dropout-conformance grade PATH...``: grade a class of submissions, each in its own sandbox."""

from __future__ import annotations

import argparse
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
    g.add_argument(
        "--release",
        action="store_true",
        help="grades are published: feedback files include the details of after_due_date/after_published clauses",
    )
    g.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    return p


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
    from ..sandbox.parent import Limits
    from ..selection import parse_seed
    from .grade import DiscoveryError, attr_nobody_defines, discover, grade_all
    from .rubric import RubricError, load_rubric, profile_rubric

    try:
        subs = discover(args.paths, args.entry)
        rubric = load_rubric(args.rubric) if args.rubric else profile_rubric(args.profile)
    except (DiscoveryError, RubricError) as exc:
        print(shown(f"dropout-conformance grade: error: {exc}"), file=sys.stderr)
        return 2
    problem = _unwritable_output(args) or attr_nobody_defines(subs, args.attr)
    if problem:
        print(f"dropout-conformance grade: error: {problem}", file=sys.stderr)
        return 2
    single = [f"--{o.option}" for o in OUTPUTS if o.one_submission and getattr(args, o.option)]
    if single and len(subs) != 1:
        print(f"dropout-conformance grade: error: {', '.join(single)}: one submission per run, found {len(subs)}; "
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
    if not args.quiet:
        for s in run.submissions:
            print(shown(f"{s.name}: {s.score:g}/{s.max_score:g} {s.status}{': ' + s.reason if s.reason else ''}"))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "grade":
        return grade(args)
    return 2  # pragma: no cover - argparse requires a command


if __name__ == "__main__":
    sys.exit(main())
