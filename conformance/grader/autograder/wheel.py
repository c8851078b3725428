"""A wheel of the kit as it is installed here, so an autograder never depends on a package index.

The kit may be installed editable (its packages are the source tree) or from a wheel; either way
the two import packages are found through their ``__file__``, and the metadata and entry points
through :mod:`importlib.metadata`. The result follows the binary distribution format (PEP 427 and
the PyPA "Binary distribution format" specification): ``{name}-{version}.dist-info`` holding
``METADATA``, ``WHEEL``, ``entry_points.txt`` and a ``RECORD`` with a urlsafe-base64 sha256 and a
size for every file. Entries are written in a fixed order with a fixed date, so the same install
builds the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import importlib.metadata
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

from ... import __version__

DISTRIBUTION = "dropout-conformance"
IMPORT_PACKAGES = ("dropout_conformance", "dropout_reference")
TAG = "py3-none-any"
EPOCH = (1980, 1, 1, 0, 0, 0)
"""The zip format's earliest date: every entry gets it, so builds are byte-for-byte repeatable."""
SKIPPED_PARTS = ("__pycache__",)


class WheelError(Exception):
    """The installed kit cannot be packed as a wheel (its metadata or files are missing)."""


def _distribution() -> importlib.metadata.Distribution:
    """The installed distribution's record that has real metadata (a source tree's egg-info,
    found first when the working folder is the repository, has PKG-INFO instead: either serves)."""
    for dist in importlib.metadata.distributions(name=DISTRIBUTION):
        if dist.read_text("METADATA") or dist.read_text("PKG-INFO"):
            return dist
    raise WheelError(f"the {DISTRIBUTION} distribution's metadata is not installed; reinstall the kit with pip")


def _package_files(package: str) -> Iterator[tuple[str, Path]]:
    """(path inside the wheel, file) for every file of an import package, caches and dotfiles left out."""
    root = Path(importlib.import_module(package).__file__ or "").parent
    if not (root / "__init__.py").is_file():
        raise WheelError(f"cannot find the files of {package} (found {root})")
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_file() and not path.is_symlink() and path.suffix not in (".pyc", ".pyo") \
                and not any(p in SKIPPED_PARTS or p.startswith(".") for p in rel.parts):
            yield f"{package}/{rel.as_posix()}", path


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")
    return f"{name},sha256={digest},{len(data)}"


def wheel_name(version: str = __version__) -> str:
    """The wheel's file name, ``{distribution}-{version}-{tag}.whl`` with the name normalised."""
    return f"{re.sub(r'[-_.]+', '_', DISTRIBUTION)}-{version}-{TAG}.whl"


def zip_entry(name: str, mode: int = 0o644) -> zipfile.ZipInfo:
    """A zip member with the fixed date and Unix permission bits (``run_autograder`` must be executable)."""
    info = zipfile.ZipInfo(name, EPOCH)
    info.create_system = 3  # Unix, so the permission bits below are read
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def build_wheel(folder: Path) -> Path:
    """Write the installed kit's wheel into ``folder``; returns its path."""
    dist = _distribution()
    version = dist.version
    metadata = dist.read_text("METADATA") or dist.read_text("PKG-INFO") or ""
    entry_points = dist.read_text("entry_points.txt") or ""
    if not entry_points.strip():
        raise WheelError(f"the installed {DISTRIBUTION} has no entry points; reinstall the kit with pip")
    info_dir = f"{re.sub(r'[-_.]+', '_', DISTRIBUTION)}-{version}.dist-info"
    files: list[tuple[str, bytes]] = [(name, path.read_bytes()) for package in IMPORT_PACKAGES
                                      for name, path in _package_files(package)]
    wheel = f"Wheel-Version: 1.0\nGenerator: dropout-conformance {version}\nRoot-Is-Purelib: true\nTag: {TAG}\n"
    files += [(f"{info_dir}/METADATA", metadata.encode()), (f"{info_dir}/WHEEL", wheel.encode()),
              (f"{info_dir}/entry_points.txt", entry_points.encode())]
    record = "".join(_record_line(name, data) + "\n" for name, data in files) + f"{info_dir}/RECORD,,\n"
    target = folder / wheel_name(version)
    with zipfile.ZipFile(target, "w") as zf:
        for name, data in [*files, (f"{info_dir}/RECORD", record.encode())]:
            zf.writestr(zip_entry(name), data)
    return target
