"""The tree reads as the architecture: no import cycle, no module over the size limit, the views
never import a runner, and docs/architecture.md lists exactly the package's modules."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PACKAGE = ROOT / "conformance"
PAGE = ROOT / "docs" / "architecture.md"
MAX_LINES = 400
VIEWS = ("report", "summary", "results", "grader.outputs", "grader.model")
RUNNERS = ("plugin", "session", "grader.grade", "grader.cli")


def _modules() -> dict[str, Path]:
    """Dotted name inside the package (``checks.context``; a package is its ``__init__``) -> file."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package modules ``name`` imports anywhere in its body (lazy imports in functions too)."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1] if node.level > 1 else package
                target = [*base, *(node.module.split(".") if node.module else [])]
            elif node.module and node.module.startswith("dropout_conformance"):
                target = node.module.split(".")[1:]
            else:
                continue
            for alias in node.names:  # ``from . import check`` names a module or a package attribute
                sub = ".".join([*target, alias.name])
                found.add(sub if sub in modules else ".".join(target))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("dropout_conformance."):
                    found.add(".".join(alias.name.split(".")[1:]))
    return {m for m in found if m in modules and m != name}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as the path that closes it, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_package_has_no_import_cycle() -> None:
    cycle = _cycle(_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_the_import_walker_sees_lazy_and_relative_imports() -> None:
    graph = _graph()
    assert "session" in graph["plugin"], "plugin.py imports session.py lazily, inside pytest_configure"
    assert {"results", "implementation", "spec"} <= graph["checks.context"]
    assert "sandbox.protocol" in graph["sandbox.child"]


@pytest.mark.parametrize("view", VIEWS)
def test_views_never_import_a_runner(view: str) -> None:
    graph = _graph()
    reach, todo = set(), [m for m in graph if m == view or m.startswith(view + ".")]
    while todo:
        node = todo.pop()
        for nxt in graph[node] - reach:
            reach.add(nxt)
            todo.append(nxt)
    assert not reach & set(RUNNERS), f"{view} reaches {sorted(reach & set(RUNNERS))}"


def test_no_module_is_over_the_size_limit() -> None:
    long = {name: n for name, path in _modules().items() if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_the_architecture_page_lists_exactly_the_modules() -> None:
    listed = re.findall(r"^\| `([a-z_/]+\.py)` \|", PAGE.read_text(), re.MULTILINE)
    actual = sorted(str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py"))
    assert sorted(listed) == actual
    assert len(listed) == len(set(listed))


def test_the_wheel_lists_every_package() -> None:
    """pyproject.toml names the packages one by one: a new subpackage left out would be missing
    from the wheel (an editable install would not show it)."""
    from dropout_conformance._compat import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    actual = {".".join(["dropout_conformance", *p.parent.relative_to(PACKAGE).parts]) for p in PACKAGE.rglob("__init__.py")}
    assert actual <= listed, f"packages missing from pyproject.toml: {sorted(actual - listed)}"
