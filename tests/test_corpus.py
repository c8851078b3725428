"""Both directions: every buggy member is caught by its clause, every correct member passes."""

from __future__ import annotations

import zlib

import pytest

from dropout_conformance.spec import CLAUSES, clause
from tests.corpus.loading import BUGGY, BUGGY_STRICT, CLAUSE_OF, CORRECT, failed_clauses, load, run_member

CORRECT_SEEDS = (1, 2, 3)


def _seed(name: str) -> int:
    return zlib.crc32(name.encode())


def assert_caught_exactly(path, module, seed, outcomes):
    """CAUGHT_BY failed, nothing outside CAUGHT_BY and ALSO_FAILS did, and every case of a clause in
    BLOCKED was reported blocked (the bug is another clause's; this one cannot be judged)."""
    failed = failed_clauses(outcomes)
    assert module.CAUGHT_BY in failed, f"{path.stem} (seed {seed}) not caught by {module.CAUGHT_BY}; failed: {sorted(failed)}"
    extra = sorted(failed - {module.CAUGHT_BY, *getattr(module, "ALSO_FAILS", ())})
    assert not extra, f"{path.stem} (seed {seed}) also failed {extra}: kit overreach, or ALSO_FAILS is missing them"
    for cid in getattr(module, "BLOCKED", ()):
        statuses = {k: o.status for k, o in outcomes.items() if CLAUSE_OF[k] == cid}
        blocked = statuses and all(s == "blocked" for s in statuses.values())
        assert blocked, f"{path.stem} (seed {seed}): {cid} not blocked: {statuses}"


@pytest.mark.parametrize("path", BUGGY, ids=[p.stem for p in BUGGY])
def test_buggy_member_is_caught_by_its_clause(path):
    module, _ = load(path)
    seed = _seed(path.stem)
    assert_caught_exactly(path, module, seed, run_member(path, seed))


@pytest.mark.parametrize("path", BUGGY_STRICT, ids=[p.stem for p in BUGGY_STRICT])
def test_should_bug_passes_spec_and_is_caught_under_strict(path):
    module, _ = load(path)
    seed = _seed(path.stem)
    outcomes = run_member(path, seed, "strict")
    must_failed = {c for c in failed_clauses(outcomes) if clause(c).level == "MUST"}
    assert not must_failed, f"{path.stem} (seed {seed}) fails MUST clauses {sorted(must_failed)}: it belongs in buggy/"
    assert_caught_exactly(path, module, seed, outcomes)


@pytest.mark.parametrize("seed", CORRECT_SEEDS)
@pytest.mark.parametrize("path", CORRECT, ids=[p.stem for p in CORRECT])
def test_correct_member_passes(path, seed):
    """Every correct member passes `spec`; those that declare STRICT = True pass `strict` too."""
    outcomes = run_member(path, seed, "strict" if getattr(load(path)[0], "STRICT", False) else "spec")
    bad = {k: o.render(str(path)) for k, o in outcomes.items() if o.status != "passed"}
    assert not bad, f"{path.stem} seed {seed}:\n" + "\n\n".join(bad.values())


def test_corpora_are_large_enough():
    assert len(BUGGY) >= 40, len(BUGGY)
    assert len(CORRECT) >= 10, len(CORRECT)
    assert sum(bool(getattr(load(p)[0], "STRICT", False)) for p in CORRECT) >= 5


def test_every_clause_catches_a_buggy_member():
    caught = {load(p)[0].CAUGHT_BY for p in BUGGY + BUGGY_STRICT}
    missing = [c.id for c in CLAUSES if c.id not in caught]
    assert not missing, f"clauses with no buggy member caught by them: {missing}"


def test_buggy_members_name_the_right_level():
    for path, level in [(p, "MUST") for p in BUGGY] + [(p, "SHOULD") for p in BUGGY_STRICT]:
        assert clause(load(path)[0].CAUGHT_BY).level == level, path.stem
