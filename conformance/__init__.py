"""dropout-conformance: a spec-driven conformance kit for inverted-dropout layers.

Importing this package is cheap (no numpy): the pytest plugin loads it in every run.
"""

from __future__ import annotations

from typing import Any

from .spec import SPEC_VERSION

__version__ = "0.1.0"
__all__ = ["SPEC_VERSION", "__version__", "load_implementation", "seed_generators"]


def load_implementation(value: str) -> Any:
    """The DropoutLayer factory a ``--dropout-impl`` value names (``mypkg:Layer``, a file, a registered name)."""
    from .resolve import load_implementation as load

    return load(value)


def seed_generators(seed: int) -> tuple[str, ...]:
    """Seed every global generator as the kit does before each case (``random``, numpy's, torch's when
    torch is imported, and those registered in ``dropout_conformance.seeders``); return their names."""
    from .seeding import seed_generators as seed_all

    return seed_all(seed)
