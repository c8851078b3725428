"""One test per (implementation, check case); the plugin parametrizes ``dropout_case``."""

from __future__ import annotations

from typing import Any


def test_clause(dropout_case: Any, record_property: Any) -> None:
    dropout_case.verify(record_property)
