"""The documentation site cannot drift: its generated reference matches what the real commands
print, every page is in the nav, every code block in the docs is runnable or marked (``tox -e
docs`` runs them), the clause index's links land on the spec's headings, and the lists of SHOULD
clauses in README.md (checked) and docs/authors.md (generated) are the registry's."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
GEN = ROOT / "docs" / "gen"
sys.path.insert(0, str(GEN))

import clause_index  # noqa: E402
import hooks  # noqa: E402
import reference_page  # noqa: E402
import snippets  # noqa: E402
import spec_clauses  # noqa: E402

GENERATED = {"reference.md", "clauses.md", "changelog.md", "examples/gradescope/index.md", "examples/prairielearn/index.md",
             "examples/prairielearn/tests/index.md", "examples/github-classroom/index.md"}
OPTIONAL = {"benchmarks.md", "conformance-matrix.md", "adapters.md"}


def _help(args: list[str], tmp_path: Path) -> str:
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "COLUMNS": "100"}
    env.pop("PYTEST_ADDOPTS", None)
    out = subprocess.run([sys.executable, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


def _options_in_help(text: str, heading: str) -> dict[str, str]:
    """{option name: help text, whitespace-normalised} of one section of argparse-style --help output."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.rstrip(":").strip() == heading.rstrip(":")) + 1
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in lines[start:]:
        if line and not line.startswith(" "):
            break  # the next section
        if re.match(r"^ {1,4}-", line):
            head, _, rest = line.strip().partition("  ")
            current = [rest.strip()]
            for name in head.split(", "):
                found[re.split(r"[= ]", name)[0]] = current
        elif current is not None and line.strip():
            current.append(line.strip())
    return {name: _unwrap(parts) for name, parts in found.items()}


def _unwrap(parts: list[str]) -> str:
    """Wrapped help lines as one line; older argparse also breaks after a word's hyphen ("flag-" / "name")."""
    text = ""
    for part in parts:
        text += part if re.search(r"[a-z]-$", text) else (" " if text else "") + part
    return " ".join(text.split())


def test_pytest_reference_lists_exactly_what_pytest_help_shows(tmp_path):
    groups, _ = reference_page.pytest_groups()
    assert [g.name for g in groups] == ["dropout-conformance"]
    shown = _options_in_help(_help(["-m", "pytest", "-p", "dropout_conformance.plugin", "--help"], tmp_path), groups[0].description)
    documented = {name: o.help for o in groups[0].options for name in o.names}
    assert documented == shown
    page = reference_page.render()
    for o in groups[0].options:
        assert f"`{o.usage('=')}`" in page


def test_every_plugin_option_is_documented_somewhere_by_hand_too():
    """The README's option table names every option the plugin registers (the generated page has them all)."""
    readme = (ROOT / "README.md").read_text()
    missing = [n for o in reference_page.pytest_options() for n in o.names if f"`{n}" not in readme]
    assert not missing, f"README.md's option table lacks {missing}"


def test_grader_reference_lists_exactly_what_its_help_shows(tmp_path):
    commands = {name: options for name, _, options in reference_page.grader_commands()}
    assert set(commands) == {"dropout-conformance", "dropout-conformance grade", "dropout-conformance merge",
                             "dropout-conformance badge", "dropout-conformance gradescope-zip"}
    for name, options in commands.items():
        args = ["-m", "dropout_conformance", *name.split()[1:], "--help"]
        text = _help(args, tmp_path)
        shown = _options_in_help(text, "options:" if "\noptions:" in text else "optional arguments:")
        documented = {n: o.help for o in options for n in o.names}
        assert documented == shown, name
    page = reference_page.render()
    for options in commands.values():
        for o in options:
            assert f"`{o.usage(' ')}`" in page


def _nav() -> list[str]:
    return re.findall(r":\s*(\S+\.md)\s*$", (ROOT / "mkdocs.yml").read_text(), flags=re.M)


def test_every_page_is_in_the_nav_and_every_nav_entry_exists():
    nav = _nav()
    assert len(nav) == len(set(nav))
    pages = {p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md") if GEN not in p.parents}
    assert pages - set(nav) == set(), "pages missing from mkdocs.yml's nav"
    assert set(nav) - pages - GENERATED - OPTIONAL == set(), "nav entries with no page"
    assert not pages & GENERATED, "a generated page is committed in docs/; the build generates it"


def test_every_code_block_in_the_docs_is_runnable_or_marked():
    kinds: dict[str, int] = {}
    for page in snippets.pages():
        for block in snippets.extract(page):
            kind = block.kind  # raises for an unlabelled block or a bad marker
            kinds[kind] = kinds.get(kind, 0) + 1
    assert kinds.get("shell", 0) >= 10 and kinds.get("python", 0) >= 3 and kinds.get("toml", 0) >= 4, kinds


def test_markers_are_recognised(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "<!-- snippet: skip needs a GPU -->\n```python\nimport torch\n```\n\n"
        "<!-- snippet: file a/b.toml -->\n```toml\nx = 1\n```\n\n```sh\necho hi\n```\n\n```\nno language\n```\n"
    )
    blocks = snippets.extract(page)
    assert [b.marker for b in blocks[:3]] == [("skip", "needs a GPU"), ("file", "a/b.toml"), None]
    assert [b.kind for b in blocks[:3]] == ["skip", "file", "shell"]
    with pytest.raises(snippets.SnippetError, match="no language"):
        _ = blocks[3].kind


def _should_ids() -> list[str]:
    from dropout_conformance.spec import CLAUSES

    return [c.id for c in CLAUSES if c.level == "SHOULD"]


def test_readme_lists_exactly_the_should_clauses():
    """README.md is not part of the site, so its list of what `strict` adds is checked, not generated."""
    readme = " ".join((ROOT / "README.md").read_text().split())
    m = re.search(r"`--dropout-profile=strict` adds them \(([^)]*)\)", readme)
    assert m, "README.md no longer says what --dropout-profile=strict adds"
    assert sorted(re.findall(r"`([^`]+)`", m[1])) == sorted(_should_ids()), "README.md's list of SHOULD clauses is stale"


def test_authors_page_lists_exactly_the_should_clauses():
    """docs/authors.md holds the marker; the built page links every SHOULD clause's section, and only those."""
    from dropout_conformance.spec import clause

    raw = (ROOT / "docs" / "authors.md").read_text()
    assert raw.count(spec_clauses.SHOULD_MARKER) == 1
    page = hooks.page_markdown(raw, "authors.md", ROOT / "docs")
    linked = re.findall(r"\]\(spec\.md#([^)]+)\)", page)
    assert linked == [clause_index.spec_anchor(clause(cid)) for cid in _should_ids()]


def test_clause_index_anchors_are_the_spec_headings():
    from dropout_conformance.spec import CLAUSES

    page = hooks.page_markdown((ROOT / "docs" / "spec.md").read_text(), "spec.md", ROOT / "docs")
    headings = re.findall(r"^### (.+)$", page, flags=re.M)
    anchors = {clause_index.slugify(h.replace("`", "")) for h in headings}
    assert {clause_index.spec_anchor(c) for c in CLAUSES} <= anchors
