"""Reports: the JSON validates against the shipped schema, reproduces its run, and the other views agree."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import jsonschema
import pytest

from dropout_conformance.report import SCHEMA_FILE
from tests.helpers import run, write
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
    assert sum(report["totals"]["reference"].values()) == 82
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


def test_junitxml_carries_clause_level_and_seed(impls):
    result = run(impls, "--dropout-impl=reference", "--dropout-seed=11", "--junitxml=junit.xml", "-k", "example")
    assert result.ret == 0
    case = ET.parse(impls.path / "junit.xml").getroot().find(".//testcase")
    props = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert props["dropout_clause"] == "example.statement"
    assert props["dropout_level"] == "MUST"
    assert props["dropout_seed"] == "11"
    assert props["dropout_outcome"] == "passed"
    assert "--dropout-seed=11" in props["dropout_rerun"]
