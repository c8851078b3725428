"""The clause index, generated from the clause registry and the check registry.

The spec page shows each clause's text and rationale, generated from ``dropout_conformance.spec``
(``spec_clauses.py``). This page is the index beside it: for
every clause in the registry, its level, the profiles that run it, the checks that enforce it
(from ``dropout_conformance.checks``), how many cases they run and their summed chance of
failing a correct layer. ``python docs/gen/clause_index.py`` prints it; the mkdocs hook builds it.
"""

from __future__ import annotations

import re
import unicodedata


def slugify(text: str, separator: str = "-") -> str:
    """Python-Markdown's default heading anchor (``markdown.extensions.toc.slugify``), which mkdocs uses."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(rf"[{separator}\s]+", separator, text)


def spec_anchor(c: object) -> str:
    """The anchor of the clause's heading in docs/spec.md: ``### `id` · LEVEL · title``."""
    return slugify(f"{c.id} · {c.level} · {c.title}")  # type: ignore[attr-defined]


def render() -> str:
    from dropout_conformance import checks
    from dropout_conformance.spec import CLAUSES, PROFILES, SPEC_VERSION, in_profile

    registered = checks.all_checks()
    cases = checks.cases("strict")
    lines = [
        f"# Clause index (spec {SPEC_VERSION})",
        "",
        "Generated when the site is built from the clause registry (`dropout_conformance.spec`) and the",
        "check registry (`dropout_conformance.checks`) by `docs/gen/clause_index.py`. Each clause's normative",
        "text and rationale are in [the spec](spec.md); follow the clause ID.",
        "",
        "| clause | level | profiles | title | checks (module) | cases | false-failure bound |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in CLAUSES:
        profiles = ", ".join(p for p in PROFILES if in_profile(c, p))
        names = ", ".join(f"`{k.name}` ({k.func.__module__.rsplit('.', 1)[-1]})" for k in registered if k.clause == c.id)
        mine = [k for k in cases if k.clause == c.id]
        bound = sum(k.chance() for k in mine)
        published = " (published)" if c.published else ""
        lines.append(
            f"| [`{c.id}`](spec.md#{spec_anchor(c)}) | {c.level}{published} | {profiles} | {c.title} | "
            f"{names or 'none yet'} | {len(mine)} | {f'{bound:.3g}' if bound else 'none declared'} |"
        )
    must = sum(c.level == "MUST" for c in CLAUSES)
    lines += [
        "",
        f"{len(CLAUSES)} clauses: {must} MUST, {len(CLAUSES) - must} SHOULD. Cases per profile, per implementation: "
        + ", ".join(f"`{p}` {len(checks.cases(p))}" for p in PROFILES)
        + ". *published*: one of the six checks of the original problem page (the `core` profile).",
        "The false-failure bound is the sum of the clause's cases' designed chances of failing a correct layer",
        "([statistics](statistics.md)); *none declared*: the check is exact, or rests on an event far too rare to count.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(render())
