import pytest

pytest_plugins = ["pytester"]


@pytest.fixture
def pt(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """pytester with entry-point autoloading off: only ``-p dropout_conformance.plugin`` loads the plugin."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    return pytester


# The corpora are submissions, not tests; tests/corpus/hostile/conftest_hijack/conftest.py is a
# hostile pytest plugin and must never be loaded by the kit's own test run.
collect_ignore = ["corpus"]
