"""The self-contained HTML class report (read by instructors)."""

from __future__ import annotations

import html as _html
from collections import Counter

from ..model import ClauseScore, GradeRun
from .common import ORDER, Output, StrPath, clause_columns, fmt_points, named, spec_clause, versions, write_atomic

_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:3px 6px;text-align:left}
th.clause a{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap}
td.passed{background:#c8e6c9}td.failed{background:#ffcdd2}td.partial{background:#ffe0b2}
td.blocked{background:#fff59d}td.not-run{background:#e0e0e0;color:#555}td.num{text-align:right}
pre{background:#f5f5f5;padding:.5em;white-space:pre-wrap;max-height:20em;overflow:auto}
.legend span{padding:2px 8px;margin-right:4px}
"""


def _e(text: object) -> str:
    return _html.escape(str(text), quote=True)


def _status_class(c: ClauseScore) -> str:
    if c.status == "failed" and c.points > 0:
        return "partial"
    return c.status.replace(" ", "-")


def _histogram(scores: list[float], max_score: float, bins: int = 10) -> str:
    """Inline SVG bar chart of scores as a percentage of the maximum (no xmlns: it would be a URL)."""
    counts = [0] * bins
    for s in scores:
        frac = s / max_score if max_score > 0 else 0.0
        counts[min(bins - 1, max(0, int(frac * bins)))] += 1
    top, bar_w, h = max(counts, default=0) or 1, 40, 120
    parts = [f'<svg width="{bins * bar_w + 20}" height="{h + 40}" role="img" aria-label="score distribution">']
    for i, n in enumerate(counts):
        bh = round(n / top * h)
        x = 10 + i * bar_w
        label = f"{i * 100 // bins}-{(i + 1) * 100 // bins}%"
        parts.append(f'<rect x="{x}" y="{10 + h - bh}" width="{bar_w - 4}" height="{bh}" fill="#64b5f6">'
                     f"<title>{label}: {n}</title></rect>")
        parts.append(f'<text x="{x + bar_w // 2 - 2}" y="{h + 5 - bh}" font-size="11" text-anchor="middle">{n or ""}</text>')
        parts.append(f'<text x="{x + bar_w // 2 - 2}" y="{h + 25}" font-size="9" text-anchor="middle">{label}</text>')
    parts.append("</svg>")
    return "".join(parts)


def html(run: GradeRun, path: StrPath) -> None:
    """One self-contained class report: matrix, score histogram, hardest clauses, spec texts, per-submission details.

    Instructor-only (shows hidden details). No external resources, and a Content-Security-Policy that
    forbids scripts, so even a missed escape could not run student markup.
    """
    columns = clause_columns(run)
    max_score = run.max_score
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>Grades: {_e(versions(run))}</title><style>{_CSS}</style></head><body>",
        "<h1>Dropout layer grades</h1>",
        f"<p>{_e(versions(run))}. Rubric: {_e(run.rubric_source)}. {len(run.submissions)} submission(s).</p>",
        '<p class="legend"><span style="background:#c8e6c9">passed</span>'
        '<span style="background:#ffe0b2">partial</span><span style="background:#ffcdd2">failed</span>'
        '<span style="background:#fff59d">blocked</span><span style="background:#e0e0e0">not run</span></p>',
        "<h2>Submissions by clause</h2><table><thead><tr><th>submission</th><th>score</th><th>status</th>",
    ]
    out += [f'<th class="clause"><a href="#clause-{_e(c.clause)}" title="{_e(c.title)}">{_e(c.clause)}</a></th>' for c in columns]
    out.append("</tr></thead><tbody>")
    for stem, sub in named(run):
        by_id = {c.clause: c for c in sub.clauses}
        out.append(
            f'<tr><td><a href="#sub-{_e(stem)}">{_e(sub.name)}</a></td>'
            f'<td class="num">{fmt_points(sub.score)} / {fmt_points(sub.max_score)}</td><td>{_e(sub.status)}</td>'
        )
        for col in columns:
            c = by_id.get(col.clause)
            if c is None:
                out.append('<td class="not-run">-</td>')
            else:
                tip = c.status + (f": {c.reason}" if c.status != "passed" else "")
                mark = f"{fmt_points(c.points)}/{fmt_points(c.max_points)}"
                out.append(f'<td class="{_status_class(c)}" title="{_e(tip)}">{mark}</td>')
        out.append("</tr>")
    out.append("</tbody></table>")

    out += ["<h2>Score distribution</h2>", _histogram([s.score for s in run.submissions], max_score)]

    out.append("<h2>Clauses students fail most</h2><table><thead><tr><th>clause</th><th>title</th><th>failed</th>"
               "<th>blocked</th><th>not run</th><th>passed</th></tr></thead><tbody>")
    tallies: dict[str, Counter[str]] = {c.clause: Counter() for c in columns}
    for sub in run.submissions:
        for c in sub.clauses:
            tallies[c.clause][c.status] += 1
    hardest = sorted(columns, key=lambda c: (-tallies[c.clause]["failed"], -tallies[c.clause]["blocked"], ORDER.get(c.clause, 0)))
    for c in hardest:
        t = tallies[c.clause]
        out.append(
            f'<tr><td><a href="#clause-{_e(c.clause)}">{_e(c.clause)}</a></td><td>{_e(c.title)}</td>'
            f'<td class="num">{t["failed"]}</td><td class="num">{t["blocked"]}</td><td class="num">{t["not run"]}</td>'
            f'<td class="num">{t["passed"]}</td></tr>'
        )
    out.append("</tbody></table>")

    out.append("<h2>The clauses</h2>")
    for c in columns:
        spec = spec_clause(c.clause)
        text = spec.text if spec else "(not in this kit's clause registry)"
        out.append(f'<section id="clause-{_e(c.clause)}"><h3>{_e(c.clause)} ({_e(c.level)}): {_e(c.title)}</h3>'
                   f"<p>{_e(text)}</p><p>Visibility to students: {_e(c.visibility)}</p></section>")

    out.append("<h2>Submission details</h2>")
    for stem, sub in named(run):
        out.append(f'<details id="sub-{_e(stem)}"><summary>{_e(sub.name)}: {fmt_points(sub.score)} / '
                   f"{fmt_points(sub.max_score)}, {_e(sub.status)}</summary>")
        out.append(f"<p>Path: <code>{_e(sub.path)}</code>. Time: {sub.execution_time:.1f} s.</p>")
        if sub.reason:
            out.append(f"<p>{_e(sub.reason)}</p>")
        for c in sub.clauses:
            if c.status != "passed":
                out.append(f"<h4>{_e(c.clause)}: {_e(c.status)} ({c.cases_passed}/{c.cases_total} cases)</h4>")
                out.append(f"<p>{_e(c.reason)}</p>")
                if c.detail:
                    out.append(f"<pre>{_e(c.detail)}</pre>")
        if sub.output:
            out.append(f"<p>Captured output:</p><pre>{_e(sub.output)}</pre>")
        out.append("</details>")
    out.append("</body></html>")
    write_atomic(path, "\n".join(out) + "\n")


OUTPUT = Output("html", "write a self-contained HTML class report", "instructor", lambda run, to, _: html(run, to))
