"""docs/adapters.md's minimal third-party package, installed and run through its entry point.

The package (plugins/example-adapter) is pip-installed into a throwaway --target folder that only
the child pytest sees (PYTHONPATH), so it never joins `--dropout-impl=all` in this environment.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "example-adapter"
SEED = "2026"


def run_suite(cwd: Path, pythonpath: str | None, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTEST_ADDOPTS", "PYTEST_DISABLE_PLUGIN_AUTOLOAD")}
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", f"--dropout-seed={SEED}", *args]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("src") / "example-adapter"  # a copy: pip builds in the source tree
    shutil.copytree(PACKAGE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(source)],
        check=True,
        timeout=600,
    )
    assert list(target.glob("dropout_example-0.1.0.dist-info/entry_points.txt"))
    return target


def test_unknown_until_installed(tmp_path: Path) -> None:
    result = run_suite(tmp_path, None, "--dropout-impl=example")
    assert result.returncode == 4, result.stdout + result.stderr  # pytest's usage error
    assert "'example' is not a registered implementation" in result.stderr


def test_installed_package_runs_through_its_entry_point(installed: Path, tmp_path: Path) -> None:
    report_path = tmp_path / "example.json"
    result = run_suite(
        tmp_path, str(installed), "--dropout-impl=example", "--dropout-profile=strict", "--dropout-no-baseline",
        f"--dropout-report={report_path}",
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    report = json.loads(report_path.read_text())
    (impl,) = report["implementations"]
    assert impl["name"] == "example"
    assert impl["how"] == "entry point 'example' -> dropout_example:DropoutLayer (dropout-example 0.1.0)"
    assert report["totals"]["example"]["failed"] == 0
    xfailed = [r for r in report["results"] if r["status"] == "expected failure"]
    assert sorted(r["case"] for r in xfailed) == ["infer.returns-input-p0.0", "infer.returns-input-p0.5"]
    assert all("example's manifest (dropout_example:XFAILS)" in r["message"] for r in xfailed)  # shipped, applied
    assert report["totals"]["example"]["passed"] == len(report["results"]) - 2
