"""docs/spec.md and the clause registry are one source of truth: any drift fails here."""

from __future__ import annotations

import re
from pathlib import Path

from dropout_conformance import checks
from dropout_conformance.spec import CLAUSES, SPEC_VERSION, clause, in_profile

SPEC_MD = Path(__file__).parents[1] / "docs" / "spec.md"
HEADING = re.compile(r"^### `(?P<id>[^`]+)` · (?P<level>MUST|SHOULD) · (?P<title>.+)$")
PENDING = "none yet"


def parse_spec_md() -> dict[str, dict[str, str]]:
    """Each clause section of docs/spec.md: level, title, normative text, the 'Checked by' line."""
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for line in SPEC_MD.read_text().splitlines():
        m = HEADING.match(line)
        if m:
            current = sections.setdefault(m["id"], {"level": m["level"], "title": m["title"], "text": "", "checked": ""})
        elif current is not None and line.startswith("> "):
            current["text"] += line[2:]
        elif current is not None and "Checked by:" in line:
            current["checked"] = line.split("Checked by:", 1)[1].strip()
    return sections


def test_spec_md_states_the_version():
    assert f"version {SPEC_VERSION}" in SPEC_MD.read_text().splitlines()[0]


def test_every_registry_clause_is_in_spec_md_word_for_word():
    doc = parse_spec_md()
    for c in CLAUSES:
        assert c.id in doc, f"{c.id} missing from docs/spec.md"
        assert doc[c.id]["level"] == c.level, c.id
        assert doc[c.id]["title"] == c.title, c.id
        assert doc[c.id]["text"] == c.text, f"{c.id}: docs/spec.md text differs from conformance/spec.py"


def test_spec_md_has_no_clause_the_registry_lacks():
    extra = set(parse_spec_md()) - {c.id for c in CLAUSES}
    assert not extra, f"clauses only in docs/spec.md: {sorted(extra)}"


def test_checked_by_lines_name_the_registered_checks():
    doc = parse_spec_md()
    registered = checks.all_checks()
    for c in CLAUSES:
        names = sorted(k.name for k in registered if k.clause == c.id)
        listed = sorted(re.findall(r"`([a-z_]+)`", doc[c.id]["checked"]))
        if names:
            assert listed == names, f"{c.id}: docs list {listed}, registry has {names}"
        else:
            assert c.level == "SHOULD" and doc[c.id]["checked"].startswith(PENDING), (
                f"{c.id} ({c.level}) has no check; only a SHOULD clause documented as pending may"
            )


def test_every_must_clause_has_a_check():
    covered = {k.clause for k in checks.all_checks()}
    missing = [c.id for c in CLAUSES if c.level == "MUST" and c.id not in covered]
    assert not missing


def test_checks_cite_known_clauses():
    for k in checks.all_checks():
        assert clause(k.clause).id == k.clause


def test_core_profile_is_the_six_published_checks():
    core = {c.id for c in CLAUSES if in_profile(c, "core")}
    assert core == {"infer.identity", "train.values", "back.mask-reuse", "train.p-zero", "init.invalid-p", "train.unbiased"}
    assert {k.clause for k in checks.cases("core")} == core


def test_case_keys_are_unique_and_stable():
    keys = [c.key for c in checks.cases("strict")]
    assert len(keys) == len(set(keys))
    assert "train.values-p0.2-float32" in keys
    odd = [k for k in keys if not re.fullmatch(r"[A-Za-z0-9_.\-]+", k)]
    assert not odd, f"case keys must be plain -k friendly text: {odd}"
