"""One test per (implementation, check case); the plugin parametrizes ``dropout_case``."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(scope="session", autouse=True)
def _dropout_run_properties(record_testsuite_property: Any, request: pytest.FixtureRequest) -> None:
    """The run's seed, profile and versions as <testsuite> properties of --junitxml (xunit2 allows them there)."""
    run = request.config.pluginmanager.get_plugin("dropout-conformance-run")
    if run is not None:
        for name, value in run.suite_properties().items():
            record_testsuite_property(name, value)


def test_clause(dropout_case: Any, request: pytest.FixtureRequest) -> None:
    from dropout_conformance.session import CASE_DATA

    dropout_case.verify(request.node.stash[CASE_DATA].__setitem__)
