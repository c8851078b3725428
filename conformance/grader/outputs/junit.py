"""JUnit XML for CI dashboards (read by instructors, and by students where CI shows it).

Jenkins and GitLab decide a testcase's status from its child element alone (``<failure>``,
``<error>``, ``<skipped>``, none: passed) and show a run with only skips as green, so each status
maps to the element that says what happened: a failed clause is a ``<failure>``; a clause that
could not run (the submission did not import, lacked the class, crashed, timed out, was refused or
missing) is an ``<error>`` whose ``type`` is the submission's status; only a clause blocked by a
failed prerequisite clause is ``<skipped>``.

Names: one ``<testsuite>`` per submission, named after it; a testcase's ``name`` is the clause ID
and its ``classname`` is ``<submission>.<area>`` (the clause ID up to its first dot, with dots in
the submission name made ``_``). Jenkins splits a classname at its last dot into package and class,
so it shows submission → area → clause; clause IDs hold dots of their own (``p0.99999``), which is
why they are the name and not part of the classname.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter

from ..model import ClauseScore, GradeRun, SubmissionResult
from .common import Output, StrPath, fmt_points, versions, write_atomic

_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def element(status: str) -> str:
    """The child element a clause status becomes: none for passed, ``<skipped>`` only for blocked,
    ``<error>`` for not run and for any status the grader does not give (never a silent pass)."""
    return {"passed": "", "failed": "failure", "blocked": "skipped"}.get(status, "error")


def _x(text: str) -> str:
    """XML 1.0 cannot hold most control characters (ANSI colours, NULs) even escaped: replace them."""
    return _XML_INVALID.sub("\ufffd", text)


def classname(sub: SubmissionResult, c: ClauseScore) -> str:
    """``<submission>.<area>``: Jenkins's package is the submission, its class the clause's area."""
    return f"{sub.name.replace('.', '_')}.{c.clause.split('.', 1)[0]}"


def _counts(sub: SubmissionResult) -> Counter[str]:
    return Counter(element(c.status) for c in sub.clauses)


def _testcase(suite: ET.Element, sub: SubmissionResult, c: ClauseScore) -> None:
    case = ET.SubElement(suite, "testcase", classname=_x(classname(sub, c)), name=_x(c.clause), time=f"{c.seconds:.3f}")
    tag = element(c.status)
    if tag == "failure":
        ET.SubElement(case, "failure", message=_x(c.reason)).text = _x(c.detail)
    elif tag == "error":
        kind = sub.status if sub.status != "graded" else c.status
        ET.SubElement(case, "error", type=_x(kind), message=_x(c.reason))
    elif tag == "skipped":
        ET.SubElement(case, "skipped", message=_x(c.reason))


def junit(run: GradeRun, path: StrPath) -> None:
    """JUnit XML for CI dashboards: a testsuite per submission, a testcase per clause."""
    totals = sum((_counts(sub) for sub in run.submissions), Counter[str]())
    root = ET.Element(
        "testsuites",
        name=_x(f"dropout-conformance grade ({versions(run)})"),
        tests=str(sum(len(sub.clauses) for sub in run.submissions)),
        failures=str(totals["failure"]),
        errors=str(totals["error"]),
        time=f"{sum(sub.execution_time for sub in run.submissions):.3f}",
    )
    for sub in run.submissions:
        counts = _counts(sub)
        suite = ET.SubElement(
            root,
            "testsuite",
            name=_x(sub.name),
            tests=str(len(sub.clauses)),
            failures=str(counts["failure"]),
            errors=str(counts["error"]),
            skipped=str(counts["skipped"]),
            time=f"{sub.execution_time:.3f}",
        )
        props = ET.SubElement(suite, "properties")
        for key, value in (("status", sub.status), ("reason", sub.reason), ("score", fmt_points(sub.score)),
                           ("max_score", fmt_points(sub.max_score)), ("seed", str(run.seed))):
            ET.SubElement(props, "property", name=key, value=_x(value))
        for c in sub.clauses:
            _testcase(suite, sub, c)
        if sub.output:
            ET.SubElement(suite, "system-out").text = _x(sub.output)
    ET.indent(root)
    write_atomic(path, '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n")


OUTPUT = Output("junit", "write JUnit XML, one testsuite per submission", "instructor", lambda run, to, _: junit(run, to))
