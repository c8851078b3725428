"""Views of a run's :class:`~.results.RunRecord`: the terminal table, the JSON report and the Markdown table.

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
from typing import Any

from . import __version__
from .results import RunRecord, Status
from .spec import CLAUSES, SPEC_VERSION

SCHEMA = "dropout-conformance-report/1.0"
SCHEMA_FILE = Path(__file__).parent / "schemas" / "report.schema.json"
STATUSES = tuple(s.value for s in Status if s is not Status.NOT_RUN)
"""The case statuses a report counts (a case that did not run has no record)."""
DEPENDENCIES = ("numpy", "scipy", "pytest", "hypothesis")


def unwritable(value: str, *, folder: bool = False) -> str | None:
    """Why an output path cannot be written (its folder is created if missing), or None: checked
    before a run starts, so a typo never costs a whole run. ``folder``: the path is a folder."""
    import os

    target = Path(value)
    parent = target if folder else target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"cannot create {parent}: {exc.strerror}"
    if not os.access(parent, os.W_OK):
        return f"{parent} is not writable"
    if not folder and target.is_dir():
        return "is a folder; give a file path"
    return None


def table(run: RunRecord) -> list[tuple[str, ...]]:
    """Header row, then one row per clause in the profile: clause, level, a cell per implementation."""
    names = [i.name for i in run.implementations]
    rows: list[tuple[str, ...]] = [("clause", "level", *names)]
    for c in CLAUSES:
        if run.selected(c):
            rows.append((c.id, c.level, *(run.verdict(n, c.id).cell() for n in names)))
    return rows


def command(run: RunRecord) -> list[str]:
    """The pytest command that reruns this whole run, seed included."""
    args = ["pytest", *(f"--dropout-impl={i.value}" for i in run.implementations if not i.baseline)]
    if not any(i.baseline for i in run.implementations):
        args.append("--dropout-no-baseline")
    elif all(i.baseline for i in run.implementations):
        args.append("--dropout-impl=reference")
    args += [f"--dropout-seed={run.seed}", f"--dropout-profile={run.profile}"]
    args += [f"--dropout-clause={c}" for c in run.named_clauses]
    return args + [f"--dropout-xfails={f}" for f in run.xfail_files]


def _version(dist: str) -> str | None:
    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def build(run: RunRecord) -> dict[str, Any]:
    """The JSON report as a plain dict (validated against SCHEMA_FILE in the kit's tests)."""
    totals: dict[str, dict[str, int]] = {}
    for i in run.implementations:
        t: Counter[str] = Counter(r.status.value for r in run.results if r.impl == i.name)
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
                "in_profile": run.selected(c),
                "status": {i.name: run.verdict(i.name, c.id).status.value for i in run.implementations},
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
                "status": r.status.value,
                "message": r.message,
                "reproducer": r.reproducer,
            }
            for r in sorted(run.results, key=lambda r: r.test_id)
        ],
        "totals": totals,
    }


def build_json(run: RunRecord) -> str:
    return json.dumps(build(run), indent=2) + "\n"


def markdown(run: RunRecord) -> str:
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
