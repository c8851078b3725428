"""Render docs/conformance-matrix.md from the JSON reports of a real run, or check it is current.

    pytest --dropout-impl=all --dropout-impl=torch-module:torch.nn:Dropout --dropout-xfails=TORCH_MODULE_XFAILS \
        --dropout-profile=spec   --dropout-seed=2026 --dropout-report=spec.json
    (the same with --dropout-profile=strict --dropout-report=strict.json)

TORCH_MODULE_XFAILS is plugins/dropout-torch/torch-module-nn-dropout.toml: the generic ``torch-module``
convention run on ``torch.nn.Dropout`` gets its own column, beside the ``torch`` adapter.
    python plugins/make_matrix.py spec.json strict.json --check   # exit 1 if the committed file is stale
    python plugins/make_matrix.py spec.json strict.json --write   # regenerate it

`tox -e plugins` runs exactly this (`tox -e plugins -- --write` regenerates). The output depends
only on the reports (seed, clause statuses, case outcomes, manifest reasons) and on the versions
installed in the environment that produced them, never on timings, paths or the date, so a fresh
run with the same seed and versions reproduces it byte for byte.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
from collections import defaultdict
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from dropout_conformance.results import CaseOutcome, ClauseVerdict, Status

DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "docs" / "conformance-matrix.md"
PROFILES = ("spec", "strict")
ORDER = ("reference", "torch", "torch-module:torch.nn:Dropout", "jax")  # columns; any other implementation follows
VERSIONS = (
    ("dropout-conformance", "the kit"),
    ("torch", "PyTorch"),
    ("dropout-torch", "its adapter"),
    ("jax", "JAX"),
    ("jaxlib", "jaxlib"),
    ("flax", "Flax"),
    ("dropout-jax", "its adapter"),
    ("numpy", "numpy"),
)
BAD = ("failed", "unexpected pass", "blocked")


class MatrixError(Exception):
    pass


def load(paths: list[Path]) -> dict[str, dict[str, Any]]:
    reports = {}
    for path in paths:
        report = json.loads(path.read_text())
        if not str(report.get("schema", "")).startswith("dropout-conformance-report/1."):
            raise MatrixError(f"{path}: not a dropout-conformance report (schema {report.get('schema')!r})")
        reports[report["profile"]] = report
    if sorted(reports) != sorted(PROFILES):
        raise MatrixError(f"need one report per profile {PROFILES}, got {sorted(reports)}")
    seeds = {r["seed"] for r in reports.values()}
    names = {tuple(sorted(i["name"] for i in r["implementations"])) for r in reports.values()}
    if len(seeds) != 1 or len(names) != 1:
        raise MatrixError(f"the reports differ in seed {sorted(seeds)} or implementations {sorted(names)}: not one run")
    for profile, r in reports.items():
        broken = [i["name"] for i in r["implementations"] if i["error"]]
        bad = [x["test_id"] for x in r["results"] if x["status"] in BAD and not _blocked_by_a_deviation(x, r)]
        if broken or bad:
            raise MatrixError(f"the {profile} run did not pass: broken {broken}, failing {bad[:10]}; fix that first")
    return reports


def _blocked_by_a_deviation(result: dict[str, Any], report: dict[str, Any]) -> bool:
    """A case blocked by a clause whose failing cases are all the adapter's listed deviations
    (init.numpy-p's NaN blocked by init.invalid-p, which the manifest lists) is that deviation's
    consequence, shown as blocked; any other blocked case means the run did not pass."""
    match = re.match(r"blocked by (\S+):", result["message"]) if result["status"] == "blocked" else None
    if not match:
        return False
    statuses = {x["status"] for x in report["results"] if x["implementation"] == result["implementation"] and x["clause"] == match.group(1)}
    return "expected failure" in statuses and statuses <= {"expected failure", "passed"}


def columns(report: dict[str, Any]) -> list[str]:
    names = [i["name"] for i in report["implementations"]]
    return [n for n in ORDER if n in names] + sorted(n for n in names if n not in ORDER)


def cell(statuses: list[str]) -> str:
    """The kit's own table cell for these case statuses (the same rule as every report view)."""
    return ClauseVerdict.from_cases("", [CaseOutcome(Status(s)) for s in statuses]).cell()


def outcomes(report: dict[str, Any]) -> dict[tuple[str, str], list[str]]:
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in report["results"]:
        found[(r["implementation"], r["clause"])].append(r["status"])
    return found


def installed(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed"


def deviations(reports: dict[str, dict[str, Any]], name: str) -> list[str]:
    """One line per manifest entry that matched: its cases, the profiles they ran in, its reason."""
    entries: dict[str, dict[str, Any]] = {}
    for profile in PROFILES:
        for r in reports[profile]["results"]:
            if r["implementation"] != name or r["status"] != "expected failure":
                continue
            match = re.search(r"entry (\d+): (.*?)(?: \[statistical check:.*)?$", r["message"], re.S)
            key, text = (int(match.group(1)), match.group(2)) if match else (0, r["message"])
            item = entries.setdefault(text, {"n": key, "cases": {}, "text": text})
            item["cases"].setdefault(r["case"], []).append(profile)
    lines = []
    for item in sorted(entries.values(), key=lambda e: (e["n"], e["text"])):
        cases = sorted(item["cases"])
        where = {"/".join(ps) for ps in item["cases"].values()}
        profiles = "spec and strict" if where == {"spec/strict"} else ", ".join(sorted(where))
        text = re.sub(r" \((https://[^)\s]+)\)$", r" ([source](\1))", item["text"])
        lines.append(f"- {', '.join(f'`{c}`' for c in cases)} ({profiles}): {text}")
    return lines


def render(reports: dict[str, dict[str, Any]]) -> str:
    spec, strict = reports["spec"], reports["strict"]
    names = columns(strict)
    seed = strict["seed"]
    python = ".".join(strict["platform"]["python"].split(".")[:2])
    out = [
        "# Conformance matrix",
        "",
        "<!-- Generated by plugins/make_matrix.py from the JSON reports of `tox -e plugins`; do not edit by hand.",
        "     `tox -e plugins` fails when this file differs from a fresh run; `tox -e plugins -- --write` regenerates it. -->",
        "",
        "The framework adapters in the repository's `plugins/` folder through the conformance suite, beside the bundled",
        "reference, under the `spec` profile (every MUST clause) and the `strict` profile (MUST and SHOULD).",
        "`torch-module:torch.nn:Dropout` is the generic `torch-module` convention (any `torch.nn.Module`) run on",
        "torch's own dropout. Each adapter wraps its framework's own dropout and autodiff and adds no arithmetic; the deviations",
        "it knows of ship as its manifest (entry point group `dropout_conformance.xfails`, see",
        "[manifests.md](manifests.md)) and show here as *xfail*, each with its reason.",
        "",
        "| run | |",
        "|---|---|",
        f"| seed | `--dropout-seed={seed}` |",
        f"| spec | {strict['spec_version']} |",
        f"| Python | {python} |",
    ]
    out += [f"| {label} | {dist} {installed(dist)} |" for dist, label in VERSIONS]
    for profile in PROFILES:
        out.append(f"| {profile} run | `{' '.join(reports[profile]['command'])} --dropout-report={profile}.json` |")
    out += [
        "",
        "Cells: `pass N` means all N cases passed; otherwise the count per outcome (`xfail`: an expected",
        "failure listed in the adapter's manifest). `-`: the clause is not in that profile.",
        "",
        "## Clauses by implementation",
        "",
        "| clause | level | " + " | ".join(f"`{n}` {p}" for n in names for p in PROFILES) + " |",
        "|---|---|" + "---|" * (2 * len(names)),
    ]
    results = {p: outcomes(reports[p]) for p in PROFILES}
    for c in strict["clauses"]:
        cells = [cell(results[p].get((n, c["id"]), [])) for n in names for p in PROFILES]
        out.append(f"| `{c['id']}` | {c['level']} | " + " | ".join(cells) + " |")
    out += ["", "| totals | | " + " | ".join(_total(reports[p], n) for n in names for p in PROFILES) + " |"]
    out += ["", "## Deviations, by adapter", ""]
    for n in names:
        lines = deviations(reports, n)
        out += [f"### `{n}`", ""] + (lines or ["None: every case passed under both profiles."]) + [""]
    assert spec["seed"] == seed
    return "\n".join(out)


def _total(report: dict[str, Any], name: str) -> str:
    totals = report["totals"][name]
    ran = sum(totals.values())
    return f"{totals['passed']} passed, {totals['expected failure']} xfail of {ran}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("reports", nargs=2, type=Path, help="the spec and strict JSON reports (--dropout-report) of one seed")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="exit 1 if OUTPUT differs from what the reports give")
    mode.add_argument("--write", action="store_true", help="write OUTPUT")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help=f"default: {DEFAULT_OUTPUT}")
    args = parser.parse_args(argv)
    try:
        text = render(load(args.reports))
    except MatrixError as exc:
        print(f"make_matrix: {exc}", file=sys.stderr)
        return 1
    if args.write:
        args.output.write_text(text)
        print(f"make_matrix: wrote {args.output}")
    elif args.check:
        committed = args.output.read_text() if args.output.is_file() else ""
        if committed != text:
            diff = difflib.unified_diff(committed.splitlines(), text.splitlines(), str(args.output), "fresh run", lineterm="")
            print("\n".join(diff))
            print(f"make_matrix: {args.output} is stale (differs from this run); `tox -e plugins -- --write` regenerates it",
                  file=sys.stderr)
            return 1
        print(f"make_matrix: {args.output} matches this run")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
