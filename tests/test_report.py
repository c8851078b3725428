"""Reports: the JSON validates against the shipped schema, reproduces its run, and the other views agree."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import jsonschema
import pytest

from dropout_conformance import SPEC_VERSION
from dropout_conformance.checks import cases
from dropout_conformance.report import SCHEMA_FILE
from tests.helpers import jenkins_junit_problems, run, write
from tests.test_manifest import ACCEPTS_ONE

LISTY = ACCEPTS_ONE.replace("if p < 0 or p > 1:", "if not 0 <= p < 1:").replace(
    "return x * self.m / (1 - self.p)", "return (x * self.m / (1 - self.p)).tolist()"
)


def validated(path) -> dict:
    report = json.loads(path.read_text())
    jsonschema.validate(report, json.loads(SCHEMA_FILE.read_text()))
    return report


@pytest.fixture
def impls(pt):
    write(pt, "accepts_one.py", ACCEPTS_ONE)
    write(pt, "listy.py", LISTY)
    entry = '[[xfail]]\nclause = "init.invalid-p"\nvariant = "float1"\nreason = "accepts 1"\n'
    write(pt, "xfails.toml", entry + 'impl = "accepts_one.py:DropoutLayer"\n')
    return pt


def test_json_report_validates_and_records_every_status(impls):
    args = ["--dropout-impl=accepts_one.py:DropoutLayer", "--dropout-impl=listy.py:DropoutLayer", "--dropout-seed=7"]
    args += ["--dropout-xfails=xfails.toml", "--dropout-report=out/report.json", "--dropout-report-md=out/table.md"]
    result = run(impls, *args, "-p", "xdist", "-n", "2")
    assert result.ret == 1
    report = validated(impls.path / "out" / "report.json")
    assert report["seed"] == 7 and report["profile"] == "spec" and report["spec_version"] == "1.1"
    statuses = {(r["implementation"], r["status"]) for r in report["results"]}
    assert ("reference", "passed") in statuses
    assert ("accepts_one.py:DropoutLayer", "expected failure") in statuses
    assert ("accepts_one.py:DropoutLayer", "failed") in statuses  # int1, nan, ... are not listed
    assert ("listy.py:DropoutLayer", "blocked") in statuses
    by_clause = {c["id"]: c["status"] for c in report["clauses"]}
    assert by_clause["train.output-shape"]["listy.py:DropoutLayer"] == "failed"
    assert by_clause["train.values"]["listy.py:DropoutLayer"] == "blocked"
    assert by_clause["dtype.preserved"]["reference"] == "not run"
    assert sum(report["totals"]["reference"].values()) == len(cases("spec"))
    failed = next(r for r in report["results"] if r["status"] == "failed")
    assert failed["message"].startswith(f"[{failed['clause']}]") and "--dropout-seed=7" in failed["reproducer"]
    table = (impls.path / "out" / "table.md").read_text()
    assert "| `train.output-shape` | MUST | pass 4 | pass 4 | 4 FAIL |" in table
    assert "seed 7" in table


def test_a_run_reproduces_from_its_report_alone(impls):
    first = run(impls, "--dropout-impl=listy.py:DropoutLayer", "--dropout-report=r1.json", "-k", "train.output or init")
    report = validated(impls.path / "r1.json")
    command = report["command"]
    assert command[0] == "pytest"
    again = run(impls, *command[1:], "--dropout-report=r2.json", "-k", "train.output or init")
    assert again.ret == first.ret == 1
    strip = lambda rep: sorted((r["test_id"], r["status"], r["message"]) for r in rep["results"])  # noqa: E731
    assert strip(validated(impls.path / "r2.json")) == strip(report)


XUNIT2_SCHEMA = "pytest's testing/example_scripts/junit-10.xsd (pytest-dev/pytest@81ae293), its xunit2 schema"
"""The rules below are that schema's, element by element: what each element may hold and carry."""
XUNIT2_CHILDREN = {
    "testsuites": {"testsuite"},
    "testsuite": {"testsuite", "properties", "testcase", "system-out", "system-err"},
    "properties": {"property"},
    "property": set(),
    "testcase": {
        "skipped", "errors", "failure", "rerunFailure", "rerunError", "flakyFailure", "flakyError", "system-out", "system-err",
    },
}
XUNIT2_ATTRIBUTES = {
    "testsuites": ({"name", "time", "tests", "failures", "errors"}, set()),
    "testsuite": (
        {"name", "tests", "failures", "errors", "group", "time", "skipped", "timestamp", "hostname", "id", "package",
         "file", "log", "url", "version"},
        {"name", "tests", "failures", "errors"},
    ),
    "properties": (set(), set()),
    "property": ({"name", "value"}, {"name", "value"}),
    "testcase": ({"name", "time", "classname", "group"}, {"name"}),
}


def xunit2_problems(element: ET.Element) -> list[str]:
    """Where ``element`` (a --junitxml root) breaks the xunit2 schema, checked as ``XUNIT2_SCHEMA`` states it."""
    problems = []
    for node in element.iter():
        allowed = XUNIT2_CHILDREN.get(node.tag)
        if allowed is None:
            continue  # skipped, failure, system-out...: text content, any attributes the schema allows
        wrong = [child.tag for child in node if child.tag not in allowed]
        if wrong:
            problems.append(f"<{node.tag}> holds {wrong}")
        optional, required = XUNIT2_ATTRIBUTES[node.tag]
        if set(node.attrib) - optional or required - set(node.attrib):
            problems.append(f"<{node.tag}> attributes {sorted(node.attrib)}")
    return problems


def test_junitxml_is_valid_xunit2_under_warnings_as_errors(impls):
    """pytest's default family (xunit2) forbids <properties> in a <testcase>, and record_property warns
    there: with -W error every case used to be an error. The run's data is suite-level instead."""
    result = run(impls, "--dropout-impl=reference", "--dropout-seed=11", "--junitxml=junit.xml", "-W", "error", "-k", "example")
    assert result.ret == 0, result.stdout.str()
    assert "warnings summary" not in result.stdout.str() and "PytestWarning" not in result.stdout.str()
    root = ET.parse(impls.path / "junit.xml").getroot()
    assert not xunit2_problems(root), xunit2_problems(root)
    assert not jenkins_junit_problems(impls.path / "junit.xml"), "Jenkins's own schema accepts it too"
    suite = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert suite["dropout_seed"] == "11" and suite["dropout_spec_version"] == SPEC_VERSION
    assert suite["dropout_profile"] == "spec" and suite["dropout_implementations"] == "reference"
    cases = list(root.iter("testcase"))
    assert cases and all(c.find("properties") is None for c in cases)
    # a failing implementation: failures, still valid
    failing = run(impls, "--dropout-impl=listy.py:DropoutLayer", "--junitxml=bad.xml", "-W", "error", "-k", "train.output")
    assert failing.ret == 1
    bad = ET.parse(impls.path / "bad.xml").getroot()
    assert not xunit2_problems(bad), xunit2_problems(bad)
    assert not jenkins_junit_problems(impls.path / "bad.xml")
    assert bad.find(".//failure") is not None


def test_junitxml_xunit1_carries_clause_level_and_seed_per_case(impls):
    """xunit1 has room for per-case properties: there each case says its clause, level and rerun."""
    result = run(impls, "--dropout-impl=reference", "--dropout-seed=11", "--junitxml=junit.xml", "-o", "junit_family=xunit1",
                 "-W", "error", "-k", "example")
    assert result.ret == 0, result.stdout.str()
    case = ET.parse(impls.path / "junit.xml").getroot().find(".//testcase")
    props = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert props["dropout_clause"] == "example.statement"
    assert props["dropout_level"] == "MUST"
    assert props["dropout_seed"] == "11"
    assert props["dropout_outcome"] == "passed"
    assert "--dropout-seed=11" in props["dropout_rerun"]
