"""The README badge, drawn from real reports and checked against shields.io's own endpoint schema."""

from __future__ import annotations

import json
import subprocess
import sys

import jsonschema
import pytest

from dropout_conformance import SPEC_VERSION
from dropout_conformance.badge import BadgeError, endpoint
from dropout_conformance.spec import CLAUSES, in_profile
from tests.helpers import run
from tests.test_report import impls  # noqa: F401 - the fixture: a conforming-but-for-p=1 layer with its manifest, and a listy one

SHIELDS_ENDPOINT = {
    # shields.io's endpoint badge (https://shields.io/badges/endpoint-badge) validates the JSON with the
    # Joi schema `endpointSchema` in badges/shields services/endpoint-common.js: schemaVersion must be 1,
    # label a string ('' allowed), message a non-empty string, the rest optional, no other keys.
    "type": "object",
    "additionalProperties": False,
    "required": ["schemaVersion", "label", "message"],
    "properties": {
        "schemaVersion": {"const": 1},
        "label": {"type": "string"},
        "message": {"type": "string", "minLength": 1},
        "color": {"type": "string"},
        "labelColor": {"type": "string"},
        "isError": {"type": "boolean"},
        "link": {"type": "string"},
        "namedLogo": {"type": "string"},
        "logoSvg": {"type": "string"},
        "logoColor": {"type": "string"},
        "logoWidth": {"type": "number"},
        "style": {"type": "string"},
        "cacheSeconds": {"type": "integer", "minimum": 0},
    },
}


def _badge(cwd, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dropout_conformance", "badge", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=60)




def test_badges_from_a_real_run(impls):  # noqa: F811
    args = ["--dropout-impl=accepts_one.py:DropoutLayer", "--dropout-impl=listy.py:DropoutLayer", "--dropout-seed=3"]
    entry = '[[xfail]]\nclause = "init.invalid-p"\nvariant = "{}"\nreason = "accepts 1"\nimpl = "accepts_one.py:DropoutLayer"\n'
    entries = "".join(entry.format(v) for v in ("float1", "int1", "np.float64-1", "nan"))  # every case it fails, declared
    (impls.path / "all.toml").write_text(entries)
    result = run(impls, *args, "--dropout-xfails=all.toml", "--dropout-profile=core", "--dropout-report=r.json")
    assert (impls.path / "r.json").exists(), result.stdout.str()
    names = [i["name"] for i in json.loads((impls.path / "r.json").read_text())["implementations"]]
    core_must = sum(1 for c in CLAUSES if in_profile(c, "core") and c.level == "MUST")

    ambiguous = _badge(impls.path, "r.json")
    assert ambiguous.returncode == 2 and "choose one with --impl" in ambiguous.stderr and ambiguous.stderr.count("\n") == 1
    seen = {}
    for name in names:
        done = _badge(impls.path, "r.json", "--impl", name, "-o", f"badges/{name}.json")
        assert done.returncode == 0, done.stderr
        seen[name] = json.loads((impls.path / "badges" / f"{name}.json").read_text())
        jsonschema.validate(seen[name], SHIELDS_ENDPOINT)
        assert seen[name]["label"] == f"dropout spec {SPEC_VERSION}"
    accepts_one, listy, reference = (next(b for n, b in seen.items() if n.startswith(k))
                                     for k in ("accepts_one", "listy", "reference"))
    assert reference == {"schemaVersion": 1, "label": f"dropout spec {SPEC_VERSION}",
                         "message": f"{core_must}/{core_must} MUST (core)", "color": "brightgreen"}
    # its one failure is declared in the manifest: orange, not red
    assert accepts_one["message"] == f"{core_must - 1}/{core_must} MUST (core)" and accepts_one["color"] == "orange"
    assert listy["color"] == "red" and int(listy["message"].split("/")[0]) < core_must


def test_the_reference_alone_under_strict_counts_both_levels(pt):
    result = run(pt, "--dropout-impl=reference", "--dropout-profile=strict", "--dropout-seed=5", "--dropout-report=r.json",
                 "-k", "init or infer")  # the cases that did not run leave their clauses 'not run': they are not passes
    assert (pt.path / "r.json").exists(), result.stdout.str()
    done = _badge(pt.path, "r.json")
    assert done.returncode == 0, done.stderr
    badge = json.loads(done.stdout)
    jsonschema.validate(badge, SHIELDS_ENDPOINT)
    must = sum(1 for c in CLAUSES if c.level == "MUST")
    should = sum(1 for c in CLAUSES if c.level == "SHOULD")
    passed_must, total_must = map(int, badge["message"].split(" MUST")[0].split("/"))
    assert total_must == must and 0 < passed_must < must and f"/{should} SHOULD" in badge["message"]
    assert badge["color"] == "red"


@pytest.mark.parametrize(
    ("content", "said"),
    [("{not json", "is not JSON"), ('{"schema": "something/else"}', "not a dropout-conformance report"),
     ('{"schema": "dropout-conformance-report/1.0"}', "malformed")],
)
def test_bad_reports_are_one_line_errors(tmp_path, content, said):
    (tmp_path / "r.json").write_text(content)
    done = _badge(tmp_path, "r.json")
    assert done.returncode == 2 and said in done.stderr and done.stderr.count("\n") == 1, done.stderr


def test_a_missing_report_and_an_unwritable_output_are_one_line_errors(tmp_path):
    assert "cannot read" in _badge(tmp_path, "nope.json").stderr
    (tmp_path / "r.json").write_text("{}")
    (tmp_path / "dir").mkdir()
    done = _badge(tmp_path, "r.json", "-o", "dir")
    assert done.returncode == 2 and "is a folder" in done.stderr


def test_an_implementation_that_did_not_load_says_so():
    report = {"schema": "dropout-conformance-report/1.0", "spec_version": SPEC_VERSION, "profile": "spec", "clauses": [],
              "implementations": [{"name": "x", "value": "x.py:L", "how": "file", "baseline": False, "error": "no such file"}]}
    badge = endpoint(report)
    jsonschema.validate(badge, SHIELDS_ENDPOINT)
    assert badge["message"] == "did not load" and badge["isError"] is True
    with pytest.raises(BadgeError, match="no implementation 'y'"):
        endpoint(report, "y")
