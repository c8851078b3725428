"""dropout-conformance: a spec-driven conformance kit for inverted-dropout layers.

Importing this package is cheap (no numpy): the pytest plugin loads it in every run.
"""

from __future__ import annotations

from typing import Any

from .spec import SPEC_VERSION

__version__ = "0.1.0"
__all__ = ["SPEC_VERSION", "__version__", "load_implementation"]


def load_implementation(value: str) -> Any:
    """The DropoutLayer factory a ``--dropout-impl`` value names (``mypkg:Layer``, a file, a registered name)."""
    from .resolve import load_implementation as load

    return load(value)
