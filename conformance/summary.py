"""The end-of-run table: clauses by implementation, with counts, so no run shrinks silently."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .spec import CLAUSES, in_profile

if TYPE_CHECKING:
    from .plugin import DropoutRun


def cell(counts: dict[str, int]) -> str:
    total = sum(counts.values())
    if not total:
        return "-"
    if counts.get("passed", 0) == total:
        return f"pass {total}"
    order = ("failed", "blocked", "xfailed", "skipped", "passed")
    return ", ".join(f"{counts[s]} {'FAIL' if s == 'failed' else s}" for s in order if counts.get(s))


def render(tr: Any, run: DropoutRun) -> None:
    from .checks import cases

    names = [i.name for i in run.implementations]
    expected = len(cases(run.profile)) * len(names)
    if not run.tally:
        tr.write_line(
            f"dropout-conformance: no conformance case ran (the suite was not collected, or all {expected} were deselected)"
        )
        return
    tr.write_sep("=", f"dropout-conformance: profile {run.profile}, seed {run.seed}")
    rows = [("clause", "level", *names)]
    for c in CLAUSES:
        if in_profile(c, run.profile):
            rows.append((c.id, c.level, *(cell(run.tally.get((n, c.id), {})) for n in names)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        tr.write_line("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())
    ran = 0
    for n in names:
        totals: dict[str, int] = {}
        for (impl, _), counts in run.tally.items():
            if impl == n:
                for status, k in counts.items():
                    totals[status] = totals.get(status, 0) + k
        ran += sum(totals.values())
        tr.write_line(f"{n}: " + (", ".join(f"{k} {s}" for s, k in sorted(totals.items())) or "nothing ran"))
    left_out = [c.id for c in CLAUSES if not in_profile(c, run.profile)]
    tr.write_line(
        f"{ran} of {expected} conformance cases ran"
        + (f" ({expected - ran} deselected or not reached)" if ran < expected else "")
        + (f"; {len(left_out)} clauses are outside profile {run.profile!r}: {', '.join(left_out)}" if left_out else "")
    )
    if run.expected_failures:
        tr.write_line(f"{len(run.expected_failures)} expected failures (from manifests):")
        for test_id, reason in sorted(run.expected_failures):
            tr.write_line(f"  XFAIL {test_id}: {reason}")
    base: dict[str, int] = run.tally.get(("__baseline__", ""), {})
    if base.get("failed") or base.get("blocked"):
        tr.write_line(
            "THE BASELINE FAILED: the bundled reference did not pass, so the kit or its environment "
            "is broken, not (necessarily) your implementation. Please report it with this output.",
            red=True,
            bold=True,
        )
