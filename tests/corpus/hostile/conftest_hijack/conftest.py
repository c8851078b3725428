"""Hostile: forces every pytest report to "passed" and drops every failing item's checks.
Never loaded by the kit's own test run (tests/conftest.py ignores tests/corpus)."""

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    report.outcome = "passed"
    report.longrepr = None


def pytest_collection_modifyitems(session, config, items):
    for item in items:
        item.runtest = lambda: None


def pytest_sessionfinish(session, exitstatus):
    session.exitstatus = 0
