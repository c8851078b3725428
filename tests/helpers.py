"""Running pytest in a subprocess with the plugin loaded explicitly, for the plugin's own tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

PLUGIN = ("-p", "dropout_conformance.plugin")
TIMEOUT = 120


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(*PLUGIN, *args, timeout=TIMEOUT)


def write(pytester: pytest.Pytester, relpath: str, source: str) -> Path:
    path = pytester.path / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))
    return path


JENKINS_JUNIT_XSD = Path(__file__).parent / "schemas" / "jenkins-xunit-junit-10.xsd"
"""The Jenkins xUnit plugin's junit-10.xsd (jenkinsci/xunit-plugin@0c37522, MIT; source in the file)."""


def jenkins_junit_problems(path: Path) -> list[str]:
    """Where the JUnit XML at ``path`` breaks Jenkins's schema, as ``xmlschema`` reports it."""
    import xmlschema

    schema = xmlschema.XMLSchema10(JENKINS_JUNIT_XSD)
    return [str(error.reason) for error in schema.iter_errors(str(path))]
