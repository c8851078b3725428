"""Version shims, in one place: TOML is parsed by the standard library from Python 3.11, by tomli before."""

from __future__ import annotations

import sys

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised by the py310 tox environments
    import tomli as tomllib

__all__ = ["tomllib"]
