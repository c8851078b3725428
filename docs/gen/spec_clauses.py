"""The clause sections of ``docs/spec.md``, from the clause and check registries.

Each clause is written once, in ``dropout_conformance.spec``; the mkdocs hook (``hooks.py``)
replaces the marker comment ``<!-- clauses: ... -->`` in ``spec.md`` with every clause's section,
``### `id` · LEVEL · title``, its normative text as a quote, its rationale (``Why:``) and the
checks that enforce it (``Checked by:``, from ``dropout_conformance.checks``), so the site cannot
disagree with the registry.

``python docs/gen/spec_clauses.py`` prints the clause sections. Needs only the kit, not mkdocs.
"""

from __future__ import annotations

import re

CLAUSES_MARKER = re.compile(r"^<!-- clauses:[^\n]*-->$", re.M)
PENDING = "none yet"


def sections() -> str:
    """Every clause's section of the spec, in registry order."""
    from dropout_conformance import checks
    from dropout_conformance.spec import CLAUSES

    registered = checks.all_checks()
    parts = []
    for c in CLAUSES:
        names = ", ".join(f"`{k.name}`" for k in registered if k.clause == c.id) or PENDING
        parts.append(f"### `{c.id}` · {c.level} · {c.title}\n\n> {c.text}\n\nWhy: {c.why}\nChecked by: {names}\n")
    return "\n".join(parts)


def expand(markdown: str) -> str:
    """``markdown`` with the clauses marker replaced by the clause sections.

    ``spec.md`` must hold the clauses marker exactly once; a page without a marker is unchanged."""
    if len(CLAUSES_MARKER.findall(markdown)) > 1:
        raise ValueError("the clauses marker appears more than once")
    return CLAUSES_MARKER.sub(lambda _: sections().rstrip("\n"), markdown)


if __name__ == "__main__":
    print(sections())
