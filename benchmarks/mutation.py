"""Mutation score of the conformance suite: which mutants of the bundled reference it kills.

    python benchmarks/mutation.py [--seed 2026] [--write survivors.json]     (or: tox -e mutation)

Needs cosmic-ray (``pip install cosmic-ray==8.7.0``; the tox env installs it). Every mutant of
``reference/`` that cosmic-ray's core operators make is run through the conformance suite,
``pytest -q -x --dropout-impl=reference --dropout-profile=spec --dropout-seed=SEED``, from an empty
temporary folder: a failing run kills the mutant. The mutants that survive ``spec`` are then run
under ``--dropout-profile=strict`` (MUST and SHOULD clauses). A run that outlasts the timeout
(``--timeout-factor`` times the unmutated run's measured time plus ``--timeout-extra`` seconds)
counts as killed. One mutant at a time, on one core. The seed fixes the kit's inputs and
Hypothesis examples, not the reference's masks (a fresh OS-seeded generator draws them), so a
mutant that only a rare mask exposes may be killed in one run and survive the next.

The working tree is never written: the reference is copied into a temporary ``dropout_reference``
package that cosmic-ray mutates in place, and PYTHONPATH puts that copy ahead of the installed (or
editable) one for every test run; the installed ``dropout_conformance`` is the kit under test.
Prints the totals and every survivor (file:line, operator, whether strict killed it, the diff);
``--write PATH`` also saves every mutant's outcome and each survivor's diff as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "reference"
PACKAGE = "dropout_reference"
OUTCOME_KEYS = ("file", "line", "col", "operator", "occurrence", "spec", "spec_killed_by")


def suite_command(profile: str, seed: int) -> list[str]:
    return [
        sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-x",
        "--dropout-impl=reference", f"--dropout-profile={profile}", f"--dropout-seed={seed}",
    ]


def first_failure(output: str) -> str:
    """The case that killed a mutant, from pytest's short summary (the first FAILED or ERROR line)."""
    for line in output.splitlines():
        if line.startswith(("FAILED", "ERROR")):
            match = re.search(r"\[reference-([^\]]+)\]", line)
            return match.group(1) if match else line[:160]
    lines = [line for line in output.splitlines() if line.strip()]
    return lines[-1][:160] if lines else "no test ran (the mutant did not load)"


def case_levels() -> dict[str, str]:
    """Each strict case's key and its clause's level (MUST or SHOULD)."""
    from dropout_conformance.checks import cases
    from dropout_conformance.spec import clause

    return {c.key: clause(c.clause).level for c in cases("strict")}


def baseline(profile: str, seed: int, run_dir: Path) -> float:
    """Seconds the unmutated suite takes under ``profile``; exits if it does not pass."""
    start = time.perf_counter()
    done = subprocess.run(suite_command(profile, seed), cwd=run_dir, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"the unmutated reference fails the {profile} profile (exit {done.returncode}):\n{done.stdout[-3000:]}")
    return elapsed


def write_config(path: Path, module: Path, command: list[str], timeout: float, exclude: list[str]) -> None:
    lines = [
        "[cosmic-ray]",
        f"module-path = {json.dumps(str(module))}",
        f"timeout = {timeout:.1f}",
        "excluded-modules = []",
        f"test-command = {json.dumps(shlex.join(command))}",
        "",
        "[cosmic-ray.distributor]",
        'name = "local"',
        "",
        "[cosmic-ray.filters.operators-filter]",
        f"exclude-operators = {json.dumps(exclude)}",
        "",
    ]
    path.write_text("\n".join(lines))


def run_session(config: Path, session: Path, run_dir: Path, total: int) -> None:
    """``cosmic-ray exec`` from the empty run folder, printing progress from the session file."""
    proc = subprocess.Popen([sys.executable, "-m", "cosmic_ray.cli", "exec", str(config), str(session)], cwd=run_dir)
    start = last = time.monotonic()
    try:
        while proc.poll() is None:
            time.sleep(5)
            if time.monotonic() - last >= 60:
                last = time.monotonic()
                with sqlite3.connect(session) as db:
                    (done,) = db.execute("SELECT count(*) FROM work_results").fetchone()
                rate = (last - start) / done if done else 0.0
                print(f"  spec: {done}/{total} mutants done, {last - start:.0f} s, {rate:.1f} s each", flush=True)
    finally:
        if proc.poll() is None:  # interrupted: stop the session before its temporary folder goes
            proc.terminate()
            proc.wait()
    if proc.returncode != 0:
        sys.exit(f"cosmic-ray exec failed (exit {proc.returncode})")


def dump(session: Path) -> list[tuple[dict, dict | None]]:
    out = subprocess.run(
        [sys.executable, "-m", "cosmic_ray.cli", "dump", str(session)], capture_output=True, text=True, check=True
    ).stdout
    return [tuple(json.loads(line)) for line in out.splitlines() if line.strip()]


def outcome(result: dict | None) -> str:
    """killed, timeout, survived, incompetent, skipped (operator filter) or not-run."""
    if result is None:
        return "not-run"
    if result["worker_outcome"] == "skipped":
        return "skipped"
    if result["worker_outcome"] == "no-test":
        return "no-mutation"
    test = result["test_outcome"]
    if test == "killed" and (result.get("output") or "").strip() == "timeout":
        return "timeout"
    return test or result["worker_outcome"]


def relative_diff(diff: str, copy: Path) -> tuple[str, str]:
    """(the unified diff with the repository's path, the changed lines alone) of cosmic-ray's diff."""
    lines = [line for line in diff.splitlines() if line != "--- mutation diff ---"]
    text = "\n".join(lines).replace(f"a/{copy}", "a/reference").replace(f"b/{copy}", "b/reference")
    changed = [line for line in lines if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    return text, " / ".join(" ".join(line.split()) for line in changed)


def strict_run(item: dict, seed: int, timeout: float, run_dir: Path) -> tuple[str, str]:
    """Run one spec survivor under the strict profile with cosmic-ray's own mutate-and-test."""
    from cosmic_ray.mutating import mutate_and_test
    from cosmic_ray.work_item import MutationSpec

    m = item["mutations"][0]
    spec = MutationSpec(
        module_path=m["module_path"], operator_name=m["operator_name"], occurrence=m["occurrence"],
        start_pos=tuple(m["start_pos"]), end_pos=tuple(m["end_pos"]), operator_args=m["operator_args"],
    )
    here = os.getcwd()
    os.chdir(run_dir)
    try:
        result = mutate_and_test([spec], shlex.join(suite_command("strict", seed)), timeout)
    finally:
        os.chdir(here)
    data = {"worker_outcome": result.worker_outcome.value, "output": result.output, "test_outcome": result.test_outcome}
    data["test_outcome"] = data["test_outcome"].value if data["test_outcome"] is not None else None
    verdict = outcome(data)
    return verdict, first_failure(result.output or "") if verdict in ("killed", "timeout") else ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2026, help="--dropout-seed of every run (default 2026)")
    parser.add_argument("--timeout-factor", type=float, default=3.0, help="timeout = factor x baseline + extra (default 3)")
    parser.add_argument("--timeout-extra", type=float, default=30.0, help="seconds added to the timeout (default 30)")
    parser.add_argument(
        "--exclude-operator", action="append", default=[], metavar="REGEX",
        help="skip cosmic-ray operators matching REGEX (repeatable), e.g. 'core/ReplaceBinaryOperator_.*_(LShift|RShift)'",
    )
    parser.add_argument("--write", type=Path, metavar="PATH.json", help="save the totals, every outcome and the survivors")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the temporary folder is removed
    wall = time.perf_counter()
    pristine = {p: p.read_bytes() for p in SOURCE.rglob("*.py")}

    with tempfile.TemporaryDirectory(prefix="dropout-mutation-") as tmp:
        work = Path(tmp)
        copy, run_dir = work / "src" / PACKAGE, work / "run"
        shutil.copytree(SOURCE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        run_dir.mkdir()
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(copy.parent), os.environ.get("PYTHONPATH")]))
        os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
        found = subprocess.run(
            [sys.executable, "-c", f"import {PACKAGE}; print({PACKAGE}.__file__)"],
            cwd=run_dir, capture_output=True, text=True, check=False,
        ).stdout.strip()
        if Path(found).parent != copy:
            sys.exit(f"the copy of the reference does not shadow the installed one: {PACKAGE} imports from {found!r}")

        spec_base, strict_base = baseline("spec", args.seed, run_dir), baseline("strict", args.seed, run_dir)
        spec_timeout = args.timeout_factor * spec_base + args.timeout_extra
        strict_timeout = args.timeout_factor * strict_base + args.timeout_extra
        print(f"cosmic-ray {version('cosmic-ray')} over reference/ (seed {args.seed}, one mutant at a time)")
        print(f"unmutated suite: spec {spec_base:.1f} s, strict {strict_base:.1f} s; "
              f"timeouts {spec_timeout:.0f} s and {strict_timeout:.0f} s", flush=True)

        config, session = work / "cosmic-ray.toml", work / "session.sqlite"
        write_config(config, copy, suite_command("spec", args.seed), spec_timeout, args.exclude_operator)
        subprocess.run([sys.executable, "-m", "cosmic_ray.cli", "init", str(config), str(session)], check=True)
        if args.exclude_operator:
            subprocess.run(
                [sys.executable, "-m", "cosmic_ray.tools.filters.operators_filter", str(session), str(config)], check=True
            )
        items = dump(session)
        print(f"{len(items)} mutants; running them under spec", flush=True)
        session_start = time.perf_counter()
        run_session(config, session, run_dir, len(items))
        spec_wall = time.perf_counter() - session_start

        mutants = []
        for item, result in dump(session):
            m = item["mutations"][0]
            rel = Path(m["module_path"]).relative_to(copy)
            verdict = outcome(result)
            diff, change = relative_diff(result.get("diff") or "", copy) if result else ("", "")
            mutants.append({
                "job": item["job_id"], "file": f"reference/{rel.as_posix()}", "line": m["start_pos"][0],
                "col": m["start_pos"][1], "operator": m["operator_name"], "occurrence": m["occurrence"],
                "definition": m.get("definition_name"), "spec": verdict,
                "spec_killed_by": first_failure(result.get("output") or "") if verdict in ("killed", "timeout") else "",
                "change": change, "diff": diff, "_item": item,
            })
        mutants.sort(key=lambda x: (x["file"], x["line"], x["col"], x["operator"], x["occurrence"]))
        for path, text in pristine.items():  # cosmic-ray restores after each mutant; make sure of it
            target = copy / path.relative_to(SOURCE)
            if target.read_bytes() != text:
                sys.exit(f"{target} was left mutated by the session")

        survivors = [x for x in mutants if x["spec"] == "survived"]
        print(f"{len(survivors)} survived spec; running them under strict", flush=True)
        levels = case_levels()
        for n, x in enumerate(survivors, 1):
            x["strict"], x["strict_killed_by"] = strict_run(x["_item"], args.seed, strict_timeout, run_dir)
            x["strict_level"] = levels.get(x["strict_killed_by"], "")
            print(f"  strict: {n}/{len(survivors)} {x['file']}:{x['line']} {x['operator']}: {x['strict']}", flush=True)

    count = {k: sum(x["spec"] == k for x in mutants) for k in ("killed", "timeout", "survived", "incompetent", "skipped")}
    strict_killed = [x for x in survivors if x["strict"] in ("killed", "timeout")]
    remaining = [x for x in survivors if x["strict"] == "survived"]
    other = len(mutants) - sum(count.values())
    elapsed = time.perf_counter() - wall
    changed = [str(p.relative_to(ROOT)) for p, text in pristine.items() if not p.exists() or p.read_bytes() != text]

    print()
    print("| what | mutants |")
    print("|---|---|")
    print(f"| generated by cosmic-ray's core operators | {len(mutants)} |")
    if count["skipped"]:
        print(f"| skipped (--exclude-operator) | {count['skipped']} |")
    print(f"| killed by `spec` | {count['killed'] + count['timeout']} (of which {count['timeout']} by timeout) |")
    if count["incompetent"] or other:
        print(f"| incompetent or not run | {count['incompetent'] + other} |")
    print(f"| survived `spec` | {len(survivors)} |")
    print(f"| of those killed by `strict` | {len(strict_killed)} |")
    print(f"| survived both | {len(remaining)} |")
    print(f"\nwall time {elapsed:.0f} s (spec session {spec_wall:.0f} s)")
    if survivors:
        print("\n| # | where | operator | strict | change |")
        print("|---|---|---|---|---|")
        for n, x in enumerate(survivors, 1):
            strict = x["strict"]
            if strict in ("killed", "timeout"):
                strict += f" ({x['strict_killed_by']}{', ' + x['strict_level'] if x['strict_level'] else ''})"
            print(f"| {n} | {x['file']}:{x['line']} | {x['operator'].removeprefix('core/')} | {strict} | `{x['change']}` |")
        print()
        for n, x in enumerate(survivors, 1):
            print(f"#{n} {x['file']}:{x['line']} {x['operator']} (in {x['definition']}), strict: {x['strict']}")
            print(x["diff"], end="\n\n")
    if any(x["strict_level"] == "MUST" for x in strict_killed):
        print("note: a MUST case killed a spec survivor under strict: the spec run missed it by chance (a rare mask event)")
    if changed:
        print(f"note: {', '.join(changed)} changed during the run (not by this script): the figures are for its state at the start")
    if args.write:
        for x in mutants:
            del x["_item"]
        report = {
            "tool": f"cosmic-ray {version('cosmic-ray')}", "seed": args.seed, "python": sys.version.split()[0],
            "baseline_seconds": {"spec": round(spec_base, 2), "strict": round(strict_base, 2)},
            "timeout_seconds": {"spec": round(spec_timeout, 1), "strict": round(strict_timeout, 1)},
            "wall_seconds": round(elapsed, 1),
            "totals": {"mutants": len(mutants), **count, "strict_killed": len(strict_killed), "survived_both": len(remaining)},
            "survivors": [{k: v for k, v in x.items() if k != "job"} for x in survivors],
            "mutants": [{k: x[k] for k in OUTCOME_KEYS} for x in mutants],
        }
        args.write.write_text(json.dumps(report, indent=1) + "\n")
        print(f"wrote {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
