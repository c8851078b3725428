"""JUnit XML for CI dashboards (read by instructors, and by students where CI shows it)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter

from ..model import GradeRun
from .common import Output, StrPath, fmt_points, versions, write_atomic

_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _x(text: str) -> str:
    """XML 1.0 cannot hold most control characters (ANSI colours, NULs) even escaped: replace them."""
    return _XML_INVALID.sub("\ufffd", text)


def junit(run: GradeRun, path: StrPath) -> None:
    """JUnit XML for CI dashboards: a testsuite per submission, a testcase per clause."""
    root = ET.Element("testsuites", name=_x(f"dropout-conformance grade ({versions(run)})"))
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
                ET.SubElement(case, "failure", message=_x(c.reason)).text = _x(c.detail)
            elif c.status in ("blocked", "not run"):
                ET.SubElement(case, "skipped", message=_x(c.reason))
        if sub.output:
            ET.SubElement(suite, "system-out").text = _x(sub.output)
    ET.indent(root)
    write_atomic(path, '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n")


OUTPUT = Output("junit", "write JUnit XML, one testsuite per submission", "instructor", lambda run, to, _: junit(run, to))
