"""Grader outputs: every file the grader writes, each a view of one ``GradeRun``.

Who reads what decides what each view may show:

- ``gradescope`` and ``feedback`` are read by students: a clause's ``detail`` (expected values,
  inputs, reproducers) appears only where its visibility allows, and the submission's captured
  output never does (student code can print the inputs of hidden checks).
- ``csv_gradebook``, ``json_reports``, ``junit`` and ``html`` are for instructors and show everything.

Every string that came from a student (names, reasons and details quoting their exceptions, output)
is escaped for the format it lands in. Every file is written atomically: a crash leaves the old file
or none, never half of one (a malformed results.json shows students "The autograder failed").
"""

from __future__ import annotations

import csv
import hashlib
import html as _html
import io
import json
import os
import re
import secrets
import unicodedata
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeAlias

from ..spec import CLAUSES, Clause
from .model import ClauseScore, GradeRun, SubmissionResult

StrPath: TypeAlias = "str | os.PathLike[str]"

JSON_SCHEMA = "dropout-conformance-grade/1.0"
STUDENT_VISIBLE = frozenset({"visible"})
"""Visibilities whose ``detail`` a student may read now; ``after_*`` join with ``released=True``."""
DEFAULT_REASONS = {
    "failed": "failed",
    "blocked": "blocked: a prerequisite clause failed, so this one could not be checked",
    "not run": "not run",
}
_ORDER = {c.id: i for i, c in enumerate(CLAUSES)}
_BY_ID = {c.id: c for c in CLAUSES}


# ---------------------------------------------------------------------------------------------
# Shared helpers


def spec_clause(clause_id: str) -> Clause | None:
    """The registry entry for a clause, or None for an ID the registry does not know (never raises mid-write)."""
    return _BY_ID.get(clause_id)


def clause_columns(run: GradeRun) -> list[ClauseScore]:
    """One ClauseScore per clause graded anywhere in the run, in registry order.

    The run carries no rubric, so the columns are the union over submissions: a submission with no
    clauses (nothing submitted) must not shrink the gradebook.
    """
    seen: dict[str, ClauseScore] = {}
    for sub in run.submissions:
        for c in sub.clauses:
            seen.setdefault(c.clause, c)
    return sorted(seen.values(), key=lambda c: (_ORDER.get(c.clause, len(_ORDER)), c.clause))


def run_max_score(run: GradeRun) -> float:
    """The largest max score among submissions (``GradeRun.max_score`` reads only the first, which may be empty)."""
    return max((s.max_score for s in run.submissions), default=0.0)


def reason_of(c: ClauseScore) -> str:
    """The student-safe reason, never empty for a clause that did not pass."""
    if c.status == "passed":
        return c.reason
    return c.reason or DEFAULT_REASONS.get(c.status, c.status)


def shows_detail(c: ClauseScore, released: bool = False) -> bool:
    """May a student see this clause's ``detail``? Never for hidden clauses; ``after_*`` only once released."""
    if c.visibility == "hidden":
        return False
    return c.visibility in STUDENT_VISIBLE or released


def fmt_points(x: float) -> str:
    """Points for people: 1 not 1.0, at most four decimals."""
    text = f"{x:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


_UNSAFE = re.compile(r"[^a-z0-9._-]+")
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def slug(name: str, limit: int = 80) -> str:
    """A file-name stem that is safe on every OS: ASCII letters, digits, '.', '_' and '-', no leading dot.

    Lower-cased, so names that differ only in case still collide on macOS/Windows and get numbered.
    A name with nothing ASCII left (e.g. all CJK) gets a stable hash so it is still recognisable per run.
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    stem = _UNSAFE.sub("-", ascii_name).strip("-._")[:limit].strip("-._")
    if not stem:
        stem = "submission-" + hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    if stem.split(".")[0] in _RESERVED:
        stem = "_" + stem
    return stem


def named(run: GradeRun) -> list[tuple[str, SubmissionResult]]:
    """(safe stem, submission) pairs: every per-student file and HTML anchor uses the same stems."""
    return list(zip(safe_names(s.name for s in run.submissions), run.submissions, strict=True))


def safe_names(names: Iterable[str]) -> list[str]:
    """Unique file-name stems, one per name, in order: collisions get -2, -3, ... (never reusing a taken stem)."""
    taken: set[str] = set()
    out = []
    for name in names:
        base = slug(name)
        stem, n = base, 1
        while stem in taken:
            n += 1
            stem = f"{base}-{n}"
        taken.add(stem)
        out.append(stem)
    return out


def write_atomic(path: StrPath, text: str, newline: str | None = None) -> Path:
    """Write text to a temporary file beside path, fsync it, then rename it over path.

    The temporary file is created like ``open`` would (mode 0o666 minus the umask), so the result
    has ordinary permissions; on any error it is removed and the old file, if any, is untouched.
    Undecodable bytes in folder names (lone surrogates) are written as U+FFFD instead of crashing.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with open(fd, "w", encoding="utf-8", errors="replace", newline=newline) as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def _dumps(data: Any) -> str:
    # allow_nan=False: NaN/Infinity are not JSON; failing loudly beats a file Gradescope rejects
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _md(text: str) -> str:
    """Student text as one line of literal Markdown: no headings, lists, links, emphasis, code or raw HTML.

    Escapes only what Markdown would act on, so the file still reads well as plain text.
    """
    flat = re.sub(r"([\\`*_\[\]<>|~&!])", r"\\\1", " ".join(text.split()))
    flat = re.sub(r"^(\d+)([.)])", r"\1\\\2", flat)
    return re.sub(r"^([#+=-])", r"\\\1", flat)


def _fence(text: str) -> str:
    """Text in a code block whose fence no backtick run inside it can close."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text.rstrip()}\n{fence}"


def _versions(run: GradeRun) -> str:
    return f"dropout-conformance {run.kit_version}, spec {run.spec_version}, profile {run.profile}, seed {run.seed}"


# ---------------------------------------------------------------------------------------------
# Gradescope


def gradescope(run: GradeRun, path: StrPath) -> None:
    """Gradescope's results.json for the one submission in its container, in exactly its documented schema.

    Top-level ``max_score`` is not part of that schema (the assignment sets it), so it is not written.
    Per test, the ``output`` is the plain reason; the ``detail`` joins it only for visible clauses.
    """
    if len(run.submissions) != 1:
        raise ValueError(
            f"Gradescope grades one submission per container, but this run has {len(run.submissions)}; "
            "write results.json from a run of exactly one submission"
        )
    sub = run.submissions[0]
    tests = []
    for i, c in enumerate(sub.clauses, start=1):
        output = ""
        if c.status != "passed":
            output = _md(reason_of(c))
            if shows_detail(c) and c.detail.strip():
                output += "\n\n" + _fence(c.detail)
        tests.append(
            {
                "name": f"{c.clause} {c.title}",
                "number": f"1.{i}",
                "score": c.points,
                "max_score": c.max_points,
                "status": "passed" if c.status == "passed" else "failed",
                "output": output,
                "output_format": "md",
                "visibility": c.visibility,
                "tags": [c.clause, c.level],
            }
        )
    score = sum(c.points for c in sub.clauses)  # the same additions in the same order: equals the sum of the tests
    summary = [f"**Score: {fmt_points(score)} / {fmt_points(sub.max_score)}**", "", f"Graded by {_versions(run)}."]
    if sub.status != "graded":
        summary += ["", f"**{_md(sub.status)}**: {_md(sub.reason)}"]
    results = {
        "score": score,
        "execution_time": max(0, round(sub.execution_time)),
        "output": "\n".join(summary),
        "output_format": "md",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }
    write_atomic(path, _dumps(results))


# ---------------------------------------------------------------------------------------------
# CSV gradebook

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    """Defuse spreadsheet formula injection (a name like ``=HYPERLINK(...)``) with a leading apostrophe (OWASP)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_gradebook(run: GradeRun, path: StrPath) -> None:
    """One row per submission: name, total, max, points per clause (registry order), status, reason.

    A clause a submission has no score for is an empty cell, not 0, so "not graded" stays distinguishable.
    Text cells starting with = + - @ get a leading apostrophe so spreadsheets show them, not run them.
    """
    columns = [c.clause for c in clause_columns(run)]
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(["name", "total", "max", *columns, "status", "reason"])
    for sub in run.submissions:
        points = {c.clause: fmt_points(c.points) for c in sub.clauses}
        row = [_cell(sub.name), fmt_points(sub.score), fmt_points(sub.max_score)]
        row += [points.get(cid, "") for cid in columns]
        row += [_cell(sub.status), _cell(sub.reason)]
        writer.writerow(row)
    write_atomic(path, buf.getvalue(), newline="")


# ---------------------------------------------------------------------------------------------
# JSON reports


def submission_record(run: GradeRun, sub: SubmissionResult) -> dict[str, Any]:
    """Everything known about one submission, for instructors and scripts."""
    return {
        "schema": JSON_SCHEMA,
        "kit_version": run.kit_version,
        "spec_version": run.spec_version,
        "profile": run.profile,
        "seed": run.seed,
        "rubric_source": run.rubric_source,
        "name": sub.name,
        "path": sub.path,
        "status": sub.status,
        "reason": sub.reason,
        "score": sub.score,
        "max_score": sub.max_score,
        "execution_time": sub.execution_time,
        "output": sub.output,
        "clauses": [
            {
                "id": c.clause,
                "title": c.title,
                "level": c.level,
                "points": c.points,
                "max_points": c.max_points,
                "status": c.status,
                "reason": c.reason,
                "detail": c.detail,
                "visibility": c.visibility,
                "cases_passed": c.cases_passed,
                "cases_total": c.cases_total,
            }
            for c in sub.clauses
        ],
    }


def json_reports(run: GradeRun, directory: StrPath) -> list[Path]:
    """``<safe name>.json`` per submission; returns the paths written, in submission order."""
    return [write_atomic(Path(directory) / f"{stem}.json", _dumps(submission_record(run, sub))) for stem, sub in named(run)]


# ---------------------------------------------------------------------------------------------
# JUnit XML

_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _x(text: str) -> str:
    """XML 1.0 cannot hold most control characters (ANSI colours, NULs) even escaped: replace them."""
    return _XML_INVALID.sub("\ufffd", text)


def junit(run: GradeRun, path: StrPath) -> None:
    """JUnit XML for CI dashboards: a testsuite per submission, a testcase per clause."""
    root = ET.Element("testsuites", name=_x(f"dropout-conformance grade ({_versions(run)})"))
    for sub in run.submissions:
        counts = Counter(c.status for c in sub.clauses)
        suite = ET.SubElement(
            root,
            "testsuite",
            name=_x(sub.name),
            tests=str(len(sub.clauses)),
            failures=str(counts["failed"]),
            errors="0",
            skipped=str(counts["blocked"] + counts["not run"]),
            time=f"{sub.execution_time:.3f}",
        )
        props = ET.SubElement(suite, "properties")
        for key, value in (("status", sub.status), ("reason", sub.reason), ("score", fmt_points(sub.score)),
                           ("max_score", fmt_points(sub.max_score)), ("seed", str(run.seed))):
            ET.SubElement(props, "property", name=key, value=_x(value))
        for c in sub.clauses:
            case = ET.SubElement(suite, "testcase", classname=_x(sub.name), name=_x(c.clause))
            if c.status == "failed":
                ET.SubElement(case, "failure", message=_x(reason_of(c))).text = _x(c.detail)
            elif c.status in ("blocked", "not run"):
                ET.SubElement(case, "skipped", message=_x(f"{c.status}: {reason_of(c)}" if c.reason else reason_of(c)))
        if sub.output:
            ET.SubElement(suite, "system-out").text = _x(sub.output)
    ET.indent(root)
    write_atomic(path, '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n")


# ---------------------------------------------------------------------------------------------
# Student feedback (Markdown)


def feedback_markdown(run: GradeRun, sub: SubmissionResult, released: bool = False) -> str:
    """One student's feedback: score, then per clause what the spec asks and what happened.

    Hidden clauses show only title, status and the plain reason; ``after_*`` clauses show their
    detail only when ``released``. The captured output is left out: it can echo hidden inputs.
    """
    lines = [
        f"# Feedback for {_md(sub.name)}",
        "",
        f"**Score: {fmt_points(sub.score)} / {fmt_points(sub.max_score)}**",
        "",
        f"Graded by {_versions(run)}.",
    ]
    if sub.status != "graded":
        lines += ["", f"**{_md(sub.status)}**: {_md(sub.reason)}"]
    for c in sub.clauses:
        mark = f"{fmt_points(c.points)} / {fmt_points(c.max_points)}"
        lines += ["", f"## {_md(c.title)}: {c.status} ({mark})"]
        if c.visibility == "hidden":
            if c.status != "passed":
                lines += ["", _md(reason_of(c))]
            continue
        spec = spec_clause(c.clause)
        lines += ["", f"Clause `{c.clause}` ({c.level})" + (f": {spec.text}" if spec else "")]
        if c.status == "passed":
            continue
        lines += ["", f"**What went wrong:** {_md(reason_of(c))}"]
        if c.status == "failed" and c.cases_total:
            lines += ["", f"{c.cases_passed} of {c.cases_total} cases passed."]
        if shows_detail(c, released) and c.detail.strip():
            lines += ["", "Expected, got, and how to reproduce:", "", _fence(c.detail)]
    return "\n".join(lines) + "\n"


def feedback(run: GradeRun, directory: StrPath, released: bool = False) -> list[Path]:
    """``<safe name>.md`` per submission (same stems as ``json_reports``); returns the paths written."""
    return [write_atomic(Path(directory) / f"{stem}.md", feedback_markdown(run, sub, released)) for stem, sub in named(run)]


# ---------------------------------------------------------------------------------------------
# HTML class report

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
    max_score = run_max_score(run)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>Grades: {_e(_versions(run))}</title><style>{_CSS}</style></head><body>",
        "<h1>Dropout layer grades</h1>",
        f"<p>{_e(_versions(run))}. Rubric: {_e(run.rubric_source)}. {len(run.submissions)} submission(s).</p>",
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
                tip = c.status + (f": {reason_of(c)}" if c.status != "passed" else "")
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
    hardest = sorted(columns, key=lambda c: (-tallies[c.clause]["failed"], -tallies[c.clause]["blocked"], _ORDER.get(c.clause, 0)))
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
                out.append(f"<p>{_e(reason_of(c))}</p>")
                if c.detail:
                    out.append(f"<pre>{_e(c.detail)}</pre>")
        if sub.output:
            out.append(f"<p>Captured output:</p><pre>{_e(sub.output)}</pre>")
        out.append("</details>")
    out.append("</body></html>")
    write_atomic(path, "\n".join(out) + "\n")
