"""What a package index page and a type checker see: one version, an SPDX licence with its file
shipped, py.typed, project URLs, and a README whose links work off GitHub (PyPI renders the README
without the repository beside it, so a relative link there is a dead link)."""

from __future__ import annotations

import re
from importlib import metadata, resources
from pathlib import Path

import pytest

import dropout_conformance
from dropout_conformance._compat import tomllib

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
DIST = metadata.distribution("dropout-conformance")


def test_one_version_source():
    """pyproject.toml takes the version from the package (PEP 621 ``dynamic``), so they cannot differ."""
    assert "version" not in PYPROJECT["project"] and "version" in PYPROJECT["project"]["dynamic"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "dropout_conformance.__version__"}
    assert DIST.version == dropout_conformance.__version__


def test_licence_is_an_spdx_expression_and_its_file_ships():
    """PEP 639: ``License-Expression`` in the core metadata, the file in the distribution, no licence classifier."""
    assert DIST.metadata["License-Expression"] == "MIT"
    assert [str(f).rsplit("/", 1)[-1] for f in DIST.files or [] if "LICENSE" in str(f)] == ["LICENSE"]
    assert not [c for c in DIST.metadata.get_all("Classifier") or [] if c.startswith("License ::")]
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")


@pytest.mark.parametrize("package", ["dropout_conformance", "dropout_reference"])
def test_packages_are_typed(package):
    """PEP 561: the marker ships beside each package's modules."""
    assert resources.files(package).joinpath("py.typed").is_file()


def test_project_urls_point_at_the_repository():
    urls = dict(u.split(", ", 1) for u in DIST.metadata.get_all("Project-URL") or [])
    assert {"Homepage", "Documentation", "Source", "Changelog", "Issues"} <= set(urls)
    assert all(u.startswith(PYPROJECT["project"]["urls"]["Source"]) for u in urls.values())


def test_readme_links_work_on_a_package_index_page():
    """Every link is absolute; each one into this repository names a file or folder that exists here."""
    source = PYPROJECT["project"]["urls"]["Source"]
    links = re.findall(r"\]\(([^)\s]+)\)", (ROOT / "README.md").read_text())
    assert links, "the README has no links: the pattern is wrong"
    relative = [link for link in links if not link.startswith(("https://", "http://", "#"))]
    assert not relative, f"relative links are dead on PyPI: {relative}"
    for link in links:
        m = re.fullmatch(re.escape(source) + r"/(blob|tree)/main/([^#]+)(#.*)?", link)
        if link.startswith(source) and m:
            path = ROOT / m[2]
            assert path.is_file() if m[1] == "blob" else path.is_dir(), f"{link}: no such {'file' if m[1] == 'blob' else 'folder'}"
