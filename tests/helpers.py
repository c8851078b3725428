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
