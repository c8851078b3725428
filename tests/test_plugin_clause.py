"""``--dropout-clause ID``: one clause's checks, and an exit status that says whether it passed.

GitHub Classroom's command grader scores a test by its command's exit status alone, so the run must
exit 0 exactly when the named clause passes: a clause whose cases are all *blocked* (skipped, which
pytest counts as green) must fail the run.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dropout_conformance.checks import cases
from tests.helpers import run
from tests.test_plugin import clause_of, collected_ids, one_error_line

BUGGY = Path(__file__).parent / "corpus" / "buggy" / "backward_ignores_mask.py"  # fails back.mask-reuse
IMPL = "--dropout-impl=sub/dropout.py:DropoutLayer"


@pytest.fixture
def buggy(pt: pytest.Pytester) -> pytest.Pytester:
    (pt.path / "sub").mkdir()
    shutil.copy(BUGGY, pt.path / "sub" / "dropout.py")
    return pt


@pytest.mark.parametrize(("value", "hint"), [("train.value", "did you mean train.values? "), ("nope", "")])
def test_an_unknown_clause_is_a_usage_error(pt: pytest.Pytester, value: str, hint: str) -> None:
    result = run(pt, "--dropout-impl=reference", f"--dropout-clause={value}")
    assert result.ret == 4, result.stdout.str() + result.stderr.str()
    assert one_error_line(result) == f"ERROR: --dropout-clause={value}: no such clause; {hint}the clause IDs are in docs/spec.md"
    assert "Traceback" not in result.stderr.str()


def test_it_selects_exactly_that_clauses_cases_whatever_the_profile(pt: pytest.Pytester) -> None:
    """dtype.preserved is a SHOULD clause, outside the default profile: naming it runs it anyway."""
    result = run(pt, "--dropout-impl=reference", "--dropout-clause=dtype.preserved", "--dropout-clause=train.p-zero",
                 "--collect-only", "-q")
    assert result.ret == 0, result.stdout.str()
    ids = collected_ids(result)
    wanted = [c.key for c in cases("strict") if c.clause in ("dtype.preserved", "train.p-zero")]
    assert sorted(ids) == sorted(f"reference-{k}" for k in wanted) and len(wanted) > 2
    assert {clause_of(i.removeprefix("reference-")) for i in ids} == {"dtype.preserved", "train.p-zero"}


@pytest.mark.parametrize(
    ("clause", "status", "outcomes"),
    [
        ("train.values", 0, {"passed": len([c for c in cases("strict") if c.clause == "train.values"])}),
        ("back.mask-reuse", 1, {"failed": len([c for c in cases("strict") if c.clause == "back.mask-reuse"])}),
        ("back.instance-isolation", 1, {"skipped": len([c for c in cases("strict") if c.clause == "back.instance-isolation"])}),
    ],
    ids=["passes", "fails", "blocked"],
)
def test_exit_status_is_zero_exactly_when_the_clause_passes(buggy: pytest.Pytester, clause: str, status: int,
                                                            outcomes: dict[str, int]) -> None:
    result = run(buggy, IMPL, "--dropout-no-baseline", f"--dropout-clause={clause}")
    assert result.ret == status, result.stdout.str()
    result.assert_outcomes(**outcomes)
    said = [line for line in result.outlines if line.startswith("dropout-conformance: --dropout-clause not passed")]
    if clause == "back.instance-isolation":
        assert said == [f"dropout-conformance: --dropout-clause not passed: {clause} (sub/dropout.py:DropoutLayer): blocked"]
    elif status == 0:
        assert said == []


def test_the_summary_and_the_report_say_which_clauses_ran(pt: pytest.Pytester) -> None:
    """The table lists the named clauses only, the summary names them (not the profile), and the
    report's command reruns the same selection."""
    result = run(pt, "--dropout-impl=reference", "--dropout-clause=dtype.preserved", "--dropout-seed=4",
                 "--dropout-report=r.json")
    assert result.ret == 0, result.stdout.str()
    out = result.stdout.str()
    assert "clauses are outside --dropout-clause dtype.preserved:" in out and "outside profile" not in out
    table = out.split("dropout-conformance: profile spec, seed 4", 1)[1].splitlines()
    assert [line.split()[0] for line in table[2:4]] == ["dtype.preserved", "reference:"], table[:5]
    report = json.loads((pt.path / "r.json").read_text())
    assert "--dropout-clause=dtype.preserved" in report["command"]
    assert [c["id"] for c in report["clauses"] if c["in_profile"]] == ["dtype.preserved"]
