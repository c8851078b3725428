"""Both directions: every buggy member is caught by its clause, every correct member passes."""

from __future__ import annotations

import zlib

import pytest

from dropout_conformance.spec import CLAUSES
from tests.corpus.loading import BUGGY, CORRECT, failed_clauses, load, run_member

CORRECT_SEEDS = (1, 2, 3)


def _seed(name: str) -> int:
    return zlib.crc32(name.encode())


@pytest.mark.parametrize("path", BUGGY, ids=[p.stem for p in BUGGY])
def test_buggy_member_is_caught_by_its_clause(path):
    module, _ = load(path)
    seed = _seed(path.stem)
    failed = failed_clauses(run_member(path, seed))
    allowed = {module.CAUGHT_BY, *getattr(module, "ALSO_FAILS", ())}
    assert module.CAUGHT_BY in failed, f"{path.stem} (seed {seed}) not caught by {module.CAUGHT_BY}; failed: {sorted(failed)}"
    extra = sorted(failed - allowed)
    assert not extra, f"{path.stem} (seed {seed}) also failed {extra}: kit overreach, or ALSO_FAILS is missing them"


@pytest.mark.parametrize("seed", CORRECT_SEEDS)
@pytest.mark.parametrize("path", CORRECT, ids=[p.stem for p in CORRECT])
def test_correct_member_passes(path, seed):
    outcomes = run_member(path, seed)
    bad = {k: o.message for k, o in outcomes.items() if o.status != "passed"}
    assert not bad, f"{path.stem} seed {seed}:\n" + "\n\n".join(bad.values())


def test_corpora_are_large_enough():
    assert len(BUGGY) >= 40, len(BUGGY)
    assert len(CORRECT) >= 10, len(CORRECT)


def test_every_must_clause_catches_a_buggy_member():
    caught = {load(p)[0].CAUGHT_BY for p in BUGGY}
    missing = [c.id for c in CLAUSES if c.level == "MUST" and c.id not in caught]
    assert not missing, f"MUST clauses with no buggy member caught by them: {missing}"
