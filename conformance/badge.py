"""The README badge: a JSON report's verdict for one implementation in shields.io's endpoint format.

``dropout-conformance badge report.json -o badge.json`` writes ``{"schemaVersion": 1, "label":
"dropout spec 1.1", "message": "17/17 MUST", "color": "brightgreen"}``; published anywhere shields.io
can fetch it, ``https://img.shields.io/endpoint?url=...`` draws it. Standard library only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .report import SCHEMA


class BadgeError(Exception):
    """A report the badge cannot be drawn from, in one line."""


def _implementation(report: dict[str, Any], impl: str | None) -> dict[str, Any]:
    """The implementation the badge is for: the one named, or the only one checked beside the baseline."""
    entries = report["implementations"]
    if impl is not None:
        for entry in entries:
            if entry["name"] == impl:
                return entry
        raise BadgeError(f"the report has no implementation {impl!r}; it has {', '.join(e['name'] for e in entries)}")
    checked = [e for e in entries if not e["baseline"]] or entries
    if len(checked) != 1:
        raise BadgeError(f"the report checks {len(checked)} implementations ({', '.join(e['name'] for e in checked)}); "
                         "choose one with --impl NAME")
    return checked[0]


def endpoint(report: dict[str, Any], impl: str | None = None) -> dict[str, Any]:
    """The badge for ``impl`` (default: the report's only implementation besides the baseline)."""
    try:
        return _endpoint(report, impl)
    except (KeyError, TypeError, AttributeError) as exc:
        raise BadgeError(f"the report is malformed ({type(exc).__name__}: {exc}); write it again with --dropout-report") from None


def _endpoint(report: dict[str, Any], impl: str | None) -> dict[str, Any]:
    """The message counts the profile's MUST clauses that passed (and its SHOULD clauses under
    ``strict``). A clause listed as an expected failure did not pass: it counts against the total
    and turns the badge orange instead of red, as a known, declared deviation."""
    if not isinstance(report, dict) or report.get("schema") != SCHEMA:
        raise BadgeError(f"not a dropout-conformance report of schema {SCHEMA} (write one with --dropout-report)")
    entry = _implementation(report, impl)
    label = f"dropout spec {report['spec_version']}"
    if entry["error"]:
        return {"schemaVersion": 1, "label": label, "message": "did not load", "color": "red", "isError": True}
    name = entry["name"]
    parts, statuses = [], []
    for level in ("MUST", "SHOULD"):
        clauses = [c for c in report["clauses"] if c["in_profile"] and c["level"] == level]
        if clauses:
            verdicts = [c["status"].get(name, "not run") for c in clauses]
            statuses += verdicts
            parts.append(f"{verdicts.count('passed')}/{len(verdicts)} {level}")
    message = ", ".join(parts) + (" (core)" if report["profile"] == "core" else "")
    missed = [s for s in statuses if s != "passed"]
    color = "brightgreen" if not missed else "orange" if all(s == "expected failure" for s in missed) else "red"
    return {"schemaVersion": 1, "label": label, "message": message, "color": color}


def load(path: str) -> dict[str, Any]:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise BadgeError(f"cannot read {path}: {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadgeError(f"{path} is not JSON: {exc}") from None
