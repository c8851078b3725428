"""One result model, three views: the terminal table, the JSON report and the Markdown table.

The JSON report's schema is ``schemas/report.schema.json`` (versioned by ``SCHEMA``); the run can
be reproduced from the report alone with its ``command``.
"""

from __future__ import annotations

import json
import platform
import shlex
from collections import Counter
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .spec import CLAUSES, SPEC_VERSION, in_profile

if TYPE_CHECKING:
    import pytest

    from .plugin import CaseResult, DropoutRun

SCHEMA = "dropout-conformance-report/1.0"
SCHEMA_FILE = Path(__file__).parent / "schemas" / "report.schema.json"
STATUSES = ("passed", "failed", "expected failure", "unexpected pass", "blocked", "skipped")
SHORT = {"failed": "FAIL", "expected failure": "xfail", "unexpected pass": "XPASS(strict)"}
DEPENDENCIES = ("numpy", "scipy", "pytest", "hypothesis")


def tally(results: list[CaseResult]) -> dict[tuple[str, str], Counter[str]]:
    """Status counts by (implementation, clause)."""
    counts: dict[tuple[str, str], Counter[str]] = {}
    for r in results:
        counts.setdefault((r.impl, r.clause), Counter())[r.status] += 1
    return counts


def clause_status(counts: Counter[str] | None) -> str:
    """One word for a clause: the worst thing that happened to any of its cases."""
    if not counts:
        return "not run"
    for status in ("failed", "unexpected pass", "blocked", "expected failure", "skipped"):
        if counts.get(status):
            return status
    return "passed"


def cell(counts: Counter[str] | None) -> str:
    if not counts:
        return "-"
    total = sum(counts.values())
    if counts.get("passed", 0) == total:
        return f"pass {total}"
    return ", ".join(f"{counts[s]} {SHORT.get(s, s)}" for s in STATUSES[1:] + ("passed",) if counts.get(s))


def table(run: DropoutRun) -> list[tuple[str, ...]]:
    """Header row, then one row per clause in the profile: clause, level, a cell per implementation."""
    counts = tally(run.results)
    names = [i.name for i in run.implementations]
    rows: list[tuple[str, ...]] = [("clause", "level", *names)]
    for c in CLAUSES:
        if in_profile(c, run.profile):
            rows.append((c.id, c.level, *(cell(counts.get((n, c.id))) for n in names)))
    return rows


def command(run: DropoutRun) -> list[str]:
    """The pytest command that reruns this whole run, seed included."""
    args = ["pytest", *(f"--dropout-impl={i.value}" for i in run.implementations if not i.baseline)]
    if not any(i.baseline for i in run.implementations):
        args.append("--dropout-no-baseline")
    elif all(i.baseline for i in run.implementations):
        args.append("--dropout-impl=reference")
    args += [f"--dropout-seed={run.seed}", f"--dropout-profile={run.profile}"]
    return args + [f"--dropout-xfails={f}" for f in run.xfail_files]


def _version(dist: str) -> str | None:
    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def build(run: DropoutRun) -> dict[str, Any]:
    """The JSON report as a plain dict (validated against SCHEMA_FILE in the kit's tests)."""
    counts = tally(run.results)
    totals: dict[str, dict[str, int]] = {}
    for i in run.implementations:
        t: Counter[str] = Counter(r.status for r in run.results if r.impl == i.name)
        totals[i.name] = {s: t.get(s, 0) for s in STATUSES}
    return {
        "schema": SCHEMA,
        "kit_version": __version__,
        "spec_version": SPEC_VERSION,
        "profile": run.profile,
        "seed": run.seed,
        "command": command(run),
        "platform": {
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "system": platform.system(),
            "machine": platform.machine(),
        },
        "dependencies": {d: _version(d) for d in DEPENDENCIES},
        "implementations": [
            {"name": i.name, "value": i.value, "how": i.how, "baseline": i.baseline, "error": i.error}
            for i in run.implementations
        ],
        "clauses": [
            {
                "id": c.id,
                "level": c.level,
                "title": c.title,
                "in_profile": in_profile(c, run.profile),
                "status": {i.name: clause_status(counts.get((i.name, c.id))) for i in run.implementations},
            }
            for c in CLAUSES
        ],
        "results": [
            {
                "test_id": r.test_id,
                "implementation": r.impl,
                "clause": r.clause,
                "level": r.level,
                "case": r.case,
                "status": r.status,
                "message": r.message,
                "reproducer": r.reproducer,
            }
            for r in sorted(run.results, key=lambda r: r.test_id)
        ],
        "totals": totals,
    }


def markdown(run: DropoutRun) -> str:
    rows = table(run)
    lines = [
        f"### dropout-conformance {__version__}: spec {SPEC_VERSION}, profile `{run.profile}`, seed {run.seed}",
        "",
        "| " + " | ".join(f"`{h}`" if i > 1 else h for i, h in enumerate(rows[0])) + " |",
        "|" + "---|" * len(rows[0]),
    ]
    lines += ["| " + " | ".join((f"`{r[0]}`", *r[1:])) + " |" for r in rows[1:]]
    lines += ["", f"Reproduce: `{shlex.join(command(run))}`", ""]
    return "\n".join(lines)


def write_reports(run: DropoutRun, config: pytest.Config) -> None:
    json_path, md_path = run.report_paths
    for path, text in ((json_path, lambda: json.dumps(build(run), indent=2) + "\n"), (md_path, lambda: markdown(run))):
        if path:
            target = Path(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text())
            config.get_terminal_writer().line(f"dropout-conformance: wrote {target}")

