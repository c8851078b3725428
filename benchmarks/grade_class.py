"""A whole class graded in one command, every output written, every score checked.

    python benchmarks/grade_class.py [--n 200] [--jobs 2] [--seed 2026] [--keep DIR]

Builds N submissions: every hostile corpus member (the fork bomb and the neighbour killer only
where the isolation is strong), then the correct and buggy corpora in turn. Grades
them with ``dropout-conformance grade`` and ``--csv --json --junit --feedback --html``, then
checks each JSON report against what the member's corpus entry expects (full marks, its bug's
clause lost and no other failing, or its hostile expectation). Prints the time, the throughput and
every wrong score; exits 1 if any score or output is wrong.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dropout_conformance.grader.outputs import slug  # noqa: E402
from dropout_conformance.sandbox import probe  # noqa: E402
from tests.corpus.loading import BUGGY, CORRECT, HOSTILE, report_problem  # noqa: E402

OUTPUTS = ("grades.csv", "junit.xml", "class.html")


def build(folder: Path, n: int) -> dict[str, tuple[str, Path]]:
    """The class folder; each submission's name -> (kind, corpus member)."""
    strong = probe.best().strong  # the fork bomb and the neighbour killer only where the sandbox contains them
    hostile = [m for m in HOSTILE if strong or m.name not in ("fork_bomb.py", "kills_neighbours.py")]
    plain = [("correct", m) for m in CORRECT] + [("buggy", m) for m in BUGGY]
    plain = [(k, m) for k, m in plain if "IMPL_ATTR" not in m.read_text()]  # one --attr for the class
    members = [("hostile", m) for m in hostile][:n]
    members += [plain[i % len(plain)] for i in range(n - len(members))]
    roster = {}
    for i, (kind, member) in enumerate(members):
        name = f"{kind[0]}{i:03d}_{member.stem}"
        if member.is_dir():
            shutil.copytree(member, folder / name, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(member, folder / f"{name}.py")
        roster[name] = (kind, member)
    return roster


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", type=Path, help="write the class and its outputs here instead of a temporary folder")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="dropout-class-"))
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)
    try:
        subs, out = root / "class", root / "out"
        for folder in (subs, out):
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            folder.chmod(0o755)
        roster = build(subs, args.n)
        cmd = [
            sys.executable, "-m", "dropout_conformance", "grade", str(subs), "--seed", str(args.seed), "--jobs", str(args.jobs),
            "--timeout", "2", "--submission-timeout", "20", "--csv", str(out / "grades.csv"), "--json", str(out / "json"),
            "--junit", str(out / "junit.xml"), "--feedback", str(out / "feedback"), "--html", str(out / "class.html"), "-q",
        ]
        start = time.perf_counter()
        done = subprocess.run(cmd, cwd=root, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - start
        problems = [f"grader exit status {done.returncode}: {done.stderr[-2000:]}"] if done.returncode else []
        problems += [f"missing output {name}" for name in OUTPUTS if not (out / name).is_file()]
        times: dict[str, list[float]] = {"correct": [], "buggy": [], "hostile": []}
        for name, (kind, member) in roster.items():
            report = out / "json" / f"{slug(name)}.json"
            if not (out / "feedback" / f"{slug(name)}.md").is_file():
                problems.append(f"{name}: no feedback file")
            if not report.is_file():
                problems.append(f"{name}: no JSON report")
                continue
            record = json.loads(report.read_text())
            times[kind].append(record["execution_time"])
            problem = report_problem(kind, member, record, blocked_ok=True)
            if problem:
                problems.append(f"{name}: {problem}")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    counts = ", ".join(f"{len(t)} {kind}" for kind, t in times.items())
    print(f"{args.n} submissions ({counts}), --jobs {args.jobs}, seed {args.seed}, python {sys.version.split()[0]}")
    print(f"| graded with every output written | {elapsed:.1f} s | {args.n / elapsed:.1f} submissions/s |")
    for kind, t in times.items():
        if t:
            print(f"| {kind}: mean / max time per submission | {sum(t) / len(t):.2f} s / {max(t):.2f} s |")
    print(f"| scores and outputs checked against the corpora | {len(problems)} wrong |")
    for problem in problems:
        print(f"  WRONG {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
