"""GitHub Classroom: the template's workflow (docs/examples/github-classroom) against the actions it
uses, and every test step's command run for real in a checkout of the template.

The actions, read at their repositories' newest commits:

- classroom-resources/autograding-command-grader 7712c71cba0d (2024-05-01): action.yml's inputs
  ``test-name`` and ``command`` (required), ``setup-command``, ``timeout`` (minutes, at most 6 hours),
  ``max-score``; output ``result``. src/main.js: line 4, the command's whole environment is
  PATH, FORCE_COLOR, DOTNET_CLI_HOME, DOTNET_NOLOGO and HOME; line 54, ``parseInt(max-score)``;
  line 67, ``execSync(command)`` (``/bin/sh -c``), a pass exactly when it exits 0 (line 25: score
  = max-score on a pass, else 0).
- classroom-resources/autograding-grading-reporter 43c2d9f524d3 (2025-09-02): action.yml's inputs
  ``runners`` (required, "Comma-separated list of step ids") and ``token``; src/main.js lines 8-10
  split ``runners`` on commas and read each runner's result from the environment variable
  ``<ID upper-cased>_RESULTS`` (its README and .github/workflows/integration.yml pass
  ``"${{steps.<id>.outputs.result}}"``, ids with hyphens included).
- GitHub's workflow syntax: a step ``id`` starts with a letter or ``_`` and holds only letters,
  digits, ``-`` and ``_`` (docs.github.com, "Workflow syntax for GitHub Actions", jobs.<job_id>.steps[*].id).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parents[1] / "docs" / "gen"))
import classroom  # noqa: E402

from dropout_conformance.grader.rubric import load_rubric  # noqa: E402
from dropout_conformance.spec import clause  # noqa: E402

ROOT = Path(__file__).parents[1]
TEMPLATE = ROOT / "docs" / "examples" / "github-classroom"
WORKFLOW = TEMPLATE / ".github" / "workflows" / "classroom.yml"
CORPUS = ROOT / "tests" / "corpus"
COMMAND_GRADER = "classroom-resources/autograding-command-grader@v1"
REPORTER = "classroom-resources/autograding-grading-reporter@v1"
GRADER_INPUTS = {"test-name", "setup-command", "command", "timeout", "max-score"}
GRADER_REQUIRED = {"test-name", "command"}
REPORTER_INPUTS = {"token", "runners"}
STEP_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def steps() -> list[dict[str, Any]]:
    data = yaml.safe_load(WORKFLOW.read_text())
    assert set(data) == {"name", "on", "permissions", "jobs"}, "'on' must stay quoted: YAML 1.1 reads a bare on as True"
    (job,) = data["jobs"].values()
    assert job["runs-on"] == "ubuntu-latest"
    return job["steps"]


def grader_steps() -> list[dict[str, Any]]:
    return [s for s in steps() if s.get("uses") == COMMAND_GRADER]


def test_the_committed_workflow_is_the_generators_output() -> None:
    assert WORKFLOW.read_text() == classroom.workflow(load_rubric(str(TEMPLATE / "rubric.toml")), "rubric.toml"), (
        "regenerate: python docs/gen/classroom.py docs/examples/github-classroom/rubric.toml"
    )


def test_one_command_grader_step_per_rubric_clause_with_its_points() -> None:
    rubric = load_rubric(str(TEMPLATE / "rubric.toml"))
    found = grader_steps()
    assert len(found) == len(rubric.lines)
    for step, line in zip(found, rubric.lines, strict=True):
        inputs = step["with"]
        assert set(inputs) <= GRADER_INPUTS and GRADER_REQUIRED <= set(inputs), step
        assert isinstance(inputs["max-score"], int) and inputs["max-score"] == line.points, "parseInt(max-score)"
        assert isinstance(inputs["timeout"], int) and 0 < inputs["timeout"] <= 360
        assert inputs["test-name"] == f"{line.clause} {clause(line.clause).title}" == step["name"]
        assert inputs["command"].endswith(f"--dropout-clause={line.clause}")
    ids = [s["id"] for s in steps() if "id" in s]
    assert len(ids) == len(set(ids)) and all(STEP_ID.match(i) for i in ids)


def test_the_reporter_reads_every_test_steps_result() -> None:
    (reporter,) = [s for s in steps() if s.get("uses") == REPORTER]
    assert steps()[-1]["uses"] == REPORTER, "the reporter runs last"
    assert set(reporter["with"]) <= REPORTER_INPUTS and "runners" in reporter["with"]
    runners = [r.strip() for r in reporter["with"]["runners"].split(",")]
    assert runners == [s["id"] for s in grader_steps()]
    assert reporter["env"] == {f"{r.upper()}_RESULTS": f"${{{{steps.{r}.outputs.result}}}}" for r in runners}


def test_the_kit_is_installed_from_the_templates_wheel_before_any_test() -> None:
    names = [s.get("name") for s in steps()]
    install = steps()[names.index("Install dropout-conformance")]
    assert install["run"] == f"python -m pip install {classroom.WHEEL}"
    assert names.index("Install dropout-conformance") < min(names.index(s["name"]) for s in grader_steps())
    assert any(s.get("uses", "").startswith("actions/setup-python@") for s in steps()[: names.index("Install dropout-conformance")])


@pytest.mark.parametrize(
    ("rubric", "message"),
    [
        ('[clauses."train.values"]\npoints = 1.5\n', "clause train.values has 1.5 points, but the command grader reads max-score"),
        ('[clauses."train.values"]\npoints = 1\nvisibility = "hidden"\n', "clause train.values is hidden, but a GitHub Classroom"),
        ('[clauses."train.valu"]\npoints = 1\n', "unknown clause 'train.valu'"),
    ],
    ids=["fractional", "hidden", "unknown"],
)
def test_a_rubric_classroom_cannot_grade_is_a_one_line_error(tmp_path: Path, rubric: str, message: str) -> None:
    (tmp_path / "rubric.toml").write_text(rubric)
    out = subprocess.run([sys.executable, str(ROOT / "docs" / "gen" / "classroom.py"), str(tmp_path / "rubric.toml")],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and message in out.stderr, out.stderr
    assert "Traceback" not in out.stderr and not (tmp_path / ".github").exists()


def run_steps(tmp_path: Path, submission: Path) -> dict[str, int]:
    """Each test step's command, run as the command grader runs it (``/bin/sh -c``, its environment
    only) in a checkout of the template holding ``submission`` as dropout.py: {clause: exit status}."""
    checkout = tmp_path / "checkout"
    shutil.copytree(TEMPLATE, checkout)
    shutil.copy(submission, checkout / "dropout.py")
    env = {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", "FORCE_COLOR": "true",
           "DOTNET_CLI_HOME": "/tmp", "DOTNET_NOLOGO": "true", "HOME": str(tmp_path)}
    statuses = {}
    for step in grader_steps():
        command = step["with"]["command"]
        out = subprocess.run(["/bin/sh", "-c", command], cwd=checkout, env=env, capture_output=True, text=True,
                             timeout=step["with"]["timeout"] * 60)
        statuses[command.rpartition("=")[2]] = out.returncode
    return statuses


def test_a_correct_submission_passes_every_test(tmp_path: Path) -> None:
    statuses = run_steps(tmp_path, CORPUS / "correct" / "binomial_mask.py")
    assert statuses == dict.fromkeys(load_rubric(str(TEMPLATE / "rubric.toml")).clauses, 0)


def test_a_buggy_submission_fails_the_clauses_the_grader_scores_zero(tmp_path: Path) -> None:
    """backward_ignores_mask violates back.mask-reuse, which blocks back.instance-isolation: the
    grader scores both 0, and exactly those two steps exit non-zero."""
    statuses = run_steps(tmp_path, CORPUS / "buggy" / "backward_ignores_mask.py")
    failing = {cid for cid, status in statuses.items() if status != 0}
    assert failing == {"back.mask-reuse", "back.instance-isolation"}, statuses
    assert all(statuses[c] == 1 for c in failing), "pytest's 'tests failed', not a usage error"


def test_the_starter_fails_every_test(tmp_path: Path) -> None:
    statuses = run_steps(tmp_path, TEMPLATE / "dropout.py")
    assert all(status == 1 for status in statuses.values()), statuses
