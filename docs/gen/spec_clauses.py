"""The clause sections of ``docs/spec.md`` and the clause lists of other pages, from the registries.

Each clause is written once, in ``dropout_conformance.spec``; the mkdocs hook (``hooks.py``)
replaces marker comments in a page with what this module renders, so the site cannot disagree
with the registry:

* ``<!-- clauses: ... -->`` in ``spec.md``: every clause's section, ``### `id` · LEVEL · title``,
  its normative text as a quote, its rationale (``Why:``) and the checks that enforce it
  (``Checked by:``, from ``dropout_conformance.checks``);
* ``<!-- should-clauses -->``, in any page: `` (a, b, ...)``, the SHOULD clauses (what
  ``--dropout-profile=strict`` adds) as links to their sections of the spec.

``python docs/gen/spec_clauses.py`` prints the clause sections. Needs only the kit, not mkdocs.
"""

from __future__ import annotations

import re

from clause_index import spec_anchor

CLAUSES_MARKER = re.compile(r"^<!-- clauses:[^\n]*-->$", re.M)
SHOULD_MARKER = "<!-- should-clauses -->"
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


def should_list() -> str:
    """`` (a, b, ...)``: each SHOULD clause's title, as a link to its section of the spec. The marker
    sits right after a word, so the page reads the same without it, as GitHub shows it."""
    from dropout_conformance.spec import CLAUSES

    links = [f"[{c.title[:1].lower()}{c.title[1:]}](spec.md#{spec_anchor(c)})" for c in CLAUSES if c.level == "SHOULD"]
    return f" ({', '.join(links)})"


def expand(markdown: str) -> str:
    """``markdown`` with each marker replaced by what it stands for.

    A page may hold the clauses marker once (``spec.md`` does); a page without a marker is unchanged."""
    if len(CLAUSES_MARKER.findall(markdown)) > 1:
        raise ValueError("the clauses marker appears more than once")
    markdown = CLAUSES_MARKER.sub(lambda _: sections().rstrip("\n"), markdown)
    return markdown.replace(SHOULD_MARKER, should_list())


if __name__ == "__main__":
    print(sections())
