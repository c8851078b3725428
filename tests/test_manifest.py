"""Expected-failure manifests: strict in both directions, stable for statistical checks."""

from __future__ import annotations

import json

import pytest

from dropout_conformance.checks import cases
from dropout_conformance.expectations import ManifestError, check_coverage, parse
from tests.helpers import run, write

ACCEPTS_ONE = """\
import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if p < 0 or p > 1:  # like torch: accepts p = 1 and NaN
            raise ValueError(p)
        self.p, self.m = p, None

    def forward(self, x, training=True):
        if not training:
            return x
        self.m = np.random.rand(*x.shape) >= self.p
        return x * self.m / (1 - self.p)

    def backward(self, grad):
        if self.m is None:
            raise RuntimeError("forward first")
        return grad * self.m / (1 - self.p)
"""

SLIGHTLY_BIASED = ACCEPTS_ONE.replace("if p < 0 or p > 1:", "if not 0 <= p < 1:").replace(
    ">= self.p", ">= self.p + 0.0005"  # keep rate off by 0.0005: far below what the test can see
)

MANIFEST = """\
[[xfail]]
clause = "init.invalid-p"
variant = "{variant}"
reason = "accepts p = 1 like torch"
link = "https://example.invalid/torch-dropout"
"""


def one_p_entries(variants: list[str]) -> str:
    return "\n".join(MANIFEST.format(variant=v) for v in variants)


P_ONE_OR_NAN = ["int1", "float1", "np.float64-1", "nan"]


def test_listed_failures_are_expected_and_listed(pt):
    write(pt, "impl.py", ACCEPTS_ONE)
    write(pt, "xfails.toml", one_p_entries(P_ONE_OR_NAN))
    result = run(pt, "--dropout-impl=impl.py:DropoutLayer", "--dropout-xfails=xfails.toml", "--dropout-no-baseline", "-k", "init")
    assert result.ret == 0, result.stdout.str()
    result.assert_outcomes(passed=13, xfailed=4)
    result.stdout.fnmatch_lines(
        ["4 expected failures (from manifests):", "  XFAIL impl.py:DropoutLayer-init.invalid-p-float1: *accepts p = 1 like torch*"]
    )


def test_a_listed_check_that_passes_fails_the_run(pt):
    write(pt, "impl.py", ACCEPTS_ONE)
    write(pt, "xfails.toml", one_p_entries([*P_ONE_OR_NAN, "negative"]))
    result = run(
        pt, "--dropout-impl=impl.py:DropoutLayer", "--dropout-xfails=xfails.toml", "--dropout-no-baseline", "-k", "init",
        "--dropout-report=report.json",
    )
    assert result.ret == 1
    result.assert_outcomes(passed=12, xfailed=4, failed=1)
    result.stdout.fnmatch_lines(["*[[]init.invalid-p[]] unexpected pass: *init.invalid-p-negative* remove this entry"])
    statuses = {r["case"]: r["status"] for r in json.loads((pt.path / "report.json").read_text())["results"]}
    assert statuses["init.invalid-p-negative"] == "unexpected pass"
    assert list(statuses.values()).count("expected failure") == 4


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[xfail]]\nclause = "no.such"\nreason = "x"\n', "unknown clause 'no.such'"),
        ('[[xfail]]\nclause = "init.invalid-p"\n', "needs a non-empty string 'reason'"),
        ('[[xfail]]\nclause = "init.invalid-p"\nreason = "x"\ncolour = "red"\n', "unknown key(s) ['colour']"),
        ('[[xfail]\nclause = "x"', "not valid TOML"),
        ('[[xfail]]\nclause = "init.invalid-p"\nvariant = "nope"\nreason = "x"\n', "matches no check"),
    ],
)
def test_bad_manifests_are_usage_errors(pt, text, message):
    write(pt, "impl.py", ACCEPTS_ONE)
    write(pt, "xfails.toml", text)
    result = run(pt, "--dropout-impl=impl.py:DropoutLayer", "--dropout-xfails=xfails.toml")
    assert result.ret == 4
    errors = [line for line in result.errlines if line.startswith("ERROR:")]
    assert len(errors) == 1 and "--dropout-xfails: xfails.toml" in errors[0] and message in errors[0], result.errlines


@pytest.mark.parametrize("seed", ["1", "2", "3"])
def test_a_listed_statistical_check_is_stable_across_seeds(pt, seed):
    """A deviation below the detection threshold passes the test on most seeds; the entry must still hold."""
    write(pt, "impl.py", SLIGHTLY_BIASED)
    write(pt, "xfails.toml", '[[xfail]]\nclause = "train.unbiased"\np = 0.5\nreason = "keep rate off by 0.0005"\n')
    args = ["--dropout-impl=impl.py:DropoutLayer", "--dropout-xfails=xfails.toml", "--dropout-no-baseline"]
    result = run(pt, *args, f"--dropout-seed={seed}", "-k", "train.unbiased-p0.5", "-rx")
    assert result.ret == 0, result.stdout.str()
    result.assert_outcomes(xfailed=1)
    result.stdout.fnmatch_lines(["*statistical check: not detected with this seed*"])


def test_entries_narrow_by_p_dtype_and_implementation():
    (entry,) = parse('[[xfail]]\nclause = "train.values"\np = 0.2\ndtype = "float16"\nreason = "x"\nimpl = "a"\n', "m.toml")
    by_key = {c.key: c for c in cases("spec")}
    assert entry.matches("a", by_key["train.values-p0.2-float16"])
    assert not entry.matches("a", by_key["train.values-p0.2-float32"])
    assert not entry.matches("a", by_key["train.values-p0.5-float16"])
    assert not entry.matches("b", by_key["train.values-p0.2-float16"])
    with pytest.raises(ManifestError, match="implementation 'a' is not selected"):
        check_coverage([entry], ["b"], cases("strict"))


def test_a_registered_implementation_ships_its_manifest(pt, monkeypatch):
    """A third-party distribution declares its manifest beside its entry point."""
    site = pt.path / "site"
    manifest_attr = "\nfrom pathlib import Path\nMANIFEST = Path(__file__).with_name('xfails.toml')\n"
    write(pt, "site/acceptsone/__init__.py", ACCEPTS_ONE + manifest_attr)
    write(pt, "site/acceptsone/xfails.toml", one_p_entries(P_ONE_OR_NAN))
    write(pt, "site/acceptsone-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: acceptsone\nVersion: 1.0\n")
    write(
        pt,
        "site/acceptsone-1.0.dist-info/entry_points.txt",
        "[dropout_conformance.implementations]\naccepts-one = acceptsone:DropoutLayer\n\n"
        "[dropout_conformance.xfails]\naccepts-one = acceptsone:MANIFEST\n",
    )
    monkeypatch.setenv("PYTHONPATH", str(site))
    result = run(pt, "--dropout-impl=accepts-one", "--dropout-no-baseline", "-k", "init")
    assert result.ret == 0, result.stdout.str()
    result.assert_outcomes(passed=13, xfailed=4)
    result.stdout.fnmatch_lines(["*XFAIL accepts-one-init.invalid-p-nan: *accepts-one's manifest*"])


def test_run_all_judges_outcomes_as_the_session_does(tmp_path):
    """``run_all(..., xfails=...)`` applies the same judge(): listed failures are expected, a listed
    deterministic case that passes is an unexpected pass, everything else is as run."""
    from dropout_conformance.checks import run_all
    from dropout_conformance.results import Status

    module = tmp_path / "accepts_one.py"
    module.write_text(ACCEPTS_ONE)
    namespace: dict = {}
    exec(compile(module.read_text(), str(module), "exec"), namespace)
    entries = parse(one_p_entries([*P_ONE_OR_NAN, "negative"]), "m.toml")
    outcomes = run_all(namespace["DropoutLayer"], 7, "core", xfails=entries, name="mine")
    status = {key: o.status for key, o in outcomes.items() if key.startswith("init.invalid-p")}
    assert {k for k, s in status.items() if s is Status.EXPECTED_FAILURE} == {f"init.invalid-p-{v}" for v in P_ONE_OR_NAN}
    assert status["init.invalid-p-negative"] is Status.UNEXPECTED_PASS
    assert "remove this entry" in outcomes["init.invalid-p-negative"].note
    assert all(o.status is Status.PASSED for k, o in outcomes.items() if not k.startswith("init.invalid-p"))
    plain = run_all(namespace["DropoutLayer"], 7, "core")
    assert {k for k, o in plain.items() if o.status is Status.FAILED} == {f"init.invalid-p-{v}" for v in P_ONE_OR_NAN}
