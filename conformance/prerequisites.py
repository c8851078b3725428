"""The prerequisite graph of the clauses (``Clause.requires``), checked when the spec is loaded.

Standard library only, and no import of the registry itself: :mod:`.spec` calls
:func:`validate_requires` on its clauses, and the tests call it on made-up graphs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol


class _Node(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def requires(self) -> tuple[str, ...]: ...


MUTUAL_PREREQUISITES: frozenset[frozenset[str]] = frozenset({frozenset({"init.valid-p", "train.output-shape"})})
"""The one cycle the prerequisite graph may have. Every check but init.valid-p's builds its layer
through ``Context.construct`` (blocked by ``init.valid-p``), including ``train.output-shape``'s; and
``init.valid-p`` is blocked by ``train.output-shape`` when forward fails for a plain float p too.
The pair does not hide a broken layer: one that cannot be built fails init.valid-p's own cases, and
one whose forward raises fails train.output-shape's."""


def validate_requires(clauses: Iterable[_Node], mutual: frozenset[frozenset[str]] = MUTUAL_PREREQUISITES) -> None:
    """Raise ValueError unless every prerequisite is a known clause other than its own, and the
    graph has no cycle but the pairs in ``mutual`` (each of which must really be mutual)."""
    graph = {c.id: set(c.requires) for c in clauses}
    for cid, needs in graph.items():
        unknown = sorted(needs - set(graph))
        if unknown:
            raise ValueError(f"{cid} requires unknown clauses {unknown}")
        if cid in needs:
            raise ValueError(f"{cid} requires itself")
    for pair in mutual:
        a, b = sorted(pair)
        if b not in graph.get(a, set()) or a not in graph.get(b, set()):
            raise ValueError(f"{a} and {b} are listed as mutual prerequisites but do not require each other")
        graph[a].discard(b)
        graph[b].discard(a)
    done: set[str] = set()

    def visit(cid: str, path: list[str]) -> None:
        if cid in path:
            raise ValueError(f"prerequisite cycle: {' -> '.join(path[path.index(cid):] + [cid])}")
        if cid not in done:
            for need in sorted(graph[cid]):
                visit(need, [*path, cid])
            done.add(cid)

    for cid in graph:
        visit(cid, [])
