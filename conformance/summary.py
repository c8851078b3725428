"""The end-of-run table: clauses by implementation, with counts, so no run shrinks silently."""

from __future__ import annotations

from collections import Counter
from typing import Any

from .report import table
from .results import RunRecord, Status
from .spec import CLAUSES


def render(tr: Any, run: RunRecord) -> None:
    """Write the summary through a pytest terminal reporter (anything with write_line and write_sep)."""
    names = [i.name for i in run.implementations]
    expected = run.cases_per_implementation * len(names)
    if not run.results:
        tr.write_line(
            f"dropout-conformance: no conformance case ran (the suite was not collected, or all {expected} were deselected)"
        )
        return
    tr.write_sep("=", f"dropout-conformance: profile {run.profile}, seed {run.seed}")
    rows = table(run)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        tr.write_line("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    for n in names:
        totals = Counter(r.status.value for r in run.results if r.impl == n)
        tr.write_line(f"{n}: " + (", ".join(f"{k} {s}" for s, k in sorted(totals.items())) or "nothing ran"))
    ran = len(run.results)
    left_out = [c.id for c in CLAUSES if not run.selected(c)]
    scope = f"--dropout-clause {', '.join(run.named_clauses)}" if run.named_clauses else f"profile {run.profile!r}"
    tr.write_line(
        f"{ran} of {expected} conformance cases ran"
        + (f" ({expected - ran} deselected or not reached)" if ran < expected else "")
        + (f"; {len(left_out)} clauses are outside {scope}: {', '.join(left_out)}" if left_out else "")
    )
    if run.should_cases_left_out:
        tr.write_line(
            f"{run.should_cases_left_out} SHOULD cases per implementation were not run (--dropout-profile=strict runs them)"
        )
    xfails = [r for r in run.results if r.status is Status.EXPECTED_FAILURE]
    if xfails:
        tr.write_line(f"{len(xfails)} expected failures (from manifests):")
        for result in sorted(xfails, key=lambda x: x.test_id):
            tr.write_line(f"  XFAIL {result.test_id}: {result.message}")
    if any(r.baseline and r.status in (Status.FAILED, Status.BLOCKED) for r in run.results):
        tr.write_line(
            "THE BASELINE FAILED: the bundled reference did not pass, so the kit or its environment "
            "is broken, not (necessarily) your implementation. Please report it with this output.",
            red=True,
            bold=True,
        )
