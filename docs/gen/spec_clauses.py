"""The clause sections of ``docs/spec.md`` and the clause lists of other pages, from the registries.

Each clause is written once, in ``dropout_conformance.spec``; the mkdocs hook (``hooks.py``)
replaces marker comments in a page with what this module renders, so the site cannot disagree
with the registry:

* ``<!-- clauses: ... -->`` in ``spec.md``: every clause's section, ``### `id` · LEVEL · title``,
  its normative text as a quote, its rationale (``Why:``) and the checks that enforce it
  (``Checked by:``, from ``dropout_conformance.checks``);
* between the ``must-audit`` markers of ``spec.md``, the audit table of MUST clauses: committed, so the
  page reads the same in the repository, and rewritten by ``python docs/gen/spec_clauses.py --audit``
  (``tests/test_spec.py`` fails when it differs from :func:`audit`);
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


AUDIT_BEGIN = "<!-- must-audit: begin (generated: python docs/gen/spec_clauses.py --audit; tests/test_spec.py checks it) -->"
AUDIT_END = "<!-- must-audit: end -->"


def audit() -> str:
    """The audit table of MUST clauses: the statement's words each rests on (``Clause.basis``, quoted
    from problem.md), and what its checks demand (the normative text and the cases run)."""
    from dropout_conformance import checks
    from dropout_conformance.spec import CLAUSES

    rows = ["| Clause | The statement says | The checks demand |", "|---|---|---|"]
    for c in CLAUSES:
        if c.level != "MUST":
            continue
        says = " / ".join(f"“{quote}”" for quote in c.basis)
        labels = [k.key[len(c.id) + 1 :] or "one case" for k in checks.cases("spec") if k.clause == c.id]
        demand = f"{c.text} *Cases ({len(labels)}):* {', '.join(labels)}."
        rows.append(f"| `{c.id}` | {_cell(says)} | {_cell(demand)} |")
    return "\n".join(rows)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def audit_in(markdown: str) -> str:
    """The audit table as it stands between the markers of ``markdown``."""
    start, end = markdown.index(AUDIT_BEGIN) + len(AUDIT_BEGIN), markdown.index(AUDIT_END)
    return markdown[start:end].strip("\n")


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
    import sys
    from pathlib import Path

    if sys.argv[1:] == ["--audit"]:  # rewrite the audit table of docs/spec.md in place
        page = Path(__file__).parents[1] / "spec.md"
        text = page.read_text()
        page.write_text(text.replace(audit_in(text), audit()))
    else:
        print(sections())
