"""The grader under attack, at each isolation level this machine offers (tests/hostile_batch.py).

Every member of tests/corpus/hostile is graded in one batch with correct and buggy neighbours; the
tests assert each member's status and points, that neighbours score as if alone, and the
containment evidence each level promises (PROMISES; docs/instructors.md has the same table). The
root level runs in every tox environment; the others (an ordinary user, level uid, and the weakest
configuration) run in ``tox -e isolation``, where DROPOUT_TEST_LEVELS=user,uid,weak.
"""

from __future__ import annotations

import csv
import fcntl
import io
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from dropout_conformance.grader.outputs import slug
from dropout_conformance.sandbox.kernel import session_keyring
from dropout_conformance.sandbox.parent import OUTPUT_CAP
from dropout_conformance.spec import CLAUSES, in_profile
from tests import hostile_batch as hb
from tests.corpus.loading import HERE, expectation, load, report_problem

CORE = [c.id for c in CLAUSES if in_profile(c, "core")]
REPORT_CAP = 512 * 1024  # bytes of one submission's JSON report: output, reasons and details, all capped
LEVELS = ("root", "user", "uid", "weak")
PROMISES = {
    "root": {"no-process-left", "nothing-planted", "no-secret", "no-tcp", "no-udp", "no-pth", "no-leftovers"},
    "user": {"no-process-left", "nothing-planted", "no-secret", "no-tcp", "no-udp", "no-pth", "no-leftovers"},
    "uid": {"no-process-left", "nothing-planted", "no-secret", "no-tcp", "no-pth", "no-leftovers"},
    "weak": set(),
}
for _level in ("root", "user", "uid"):
    PROMISES[_level] |= {"reports-are-the-graders", "own-session-keyring"}
for _level in ("root", "uid"):  # root: cgroup v1 is writable here; an ordinary user gets no cgroup
    PROMISES[_level].add("memory-bounded")
OWN_EVIDENCE = {"reports-are-the-graders"}
"""Promises with a test of their own (test_reports_are_the_graders_own)."""
"""What each level stops beyond what every level does (deadlines, intake, output cap, a pool that
survives its workers' deaths, verdicts computed in the grader). Level uid relies on Landlock for
files and TCP (available here) and cannot stop UDP; weak, tested without Landlock, stops none."""
EXPECT_AT = {"weak": {"kills_its_grader": ("crashed", 0.0)}}
UNREPORTED_AT = {"weak": {"setsid_daemon_forges_grades": "its daemon outlives the grader and rewrites its report"}}
"""Where a level changes a member's outcome: at weak, killing the grader's worker is possible, and
the submission that does it (twice) is scored as lost, alone."""


ENABLED = os.environ.get("DROPOUT_TEST_LEVELS", "root")
"""Levels to run: a comma-separated list, or "all" (tox -e isolation sets user,uid,weak)."""


def _level_param(level: str) -> Any:
    marks = []
    why = hb.level_unavailable(level)
    if why:
        marks.append(pytest.mark.skip(reason=f"level {level} not available: {why}"))
    elif ENABLED != "all" and level not in ENABLED.split(","):
        marks.append(pytest.mark.skip(reason=f"level {level} runs in tox -e isolation (DROPOUT_TEST_LEVELS={ENABLED})"))
    return pytest.param(level, marks=marks, id=level)


@pytest.fixture(scope="module", params=[_level_param(level) for level in LEVELS])
def batch(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The snapshot of one graded batch per level, shared by every xdist worker through a lock and a file."""
    level = request.param
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent
    snapshot = shared / f"hostile-batch-{level}.json"
    with open(shared / f"hostile-batch-{level}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not snapshot.exists():
            snapshot.write_text(json.dumps(hb.run_batch(level)))
    return json.loads(snapshot.read_text())


def _clauses(record: dict[str, Any]) -> str:
    return ", ".join(f"{c['id']} {c['points']:g} ({c['status']}: {c['reason'][:80]})" for c in record["clauses"])


def test_batch_finished_within_its_limits(batch: dict[str, Any]) -> None:
    assert batch["returncode"] == 0, f"the grader failed on the batch:\n{batch['stderr']}"
    assert batch["elapsed"] <= batch["bound"], f"{len(batch['names'])} submissions took {batch['elapsed']:.0f} s"
    unreported = set(UNREPORTED_AT.get(batch["level"], {}))
    assert sorted(set(batch["records"]) | unreported) == batch["names"], "every submission has exactly one report"
    slow = {n: round(r["execution_time"], 1) for n, r in batch["records"].items()
            if r["execution_time"] > hb.SUBMISSION_TIMEOUT + hb.OVERRUN}
    assert not slow, f"ran past --submission-timeout {hb.SUBMISSION_TIMEOUT}: {slow}"
    level = {"root": "namespaces", "user": "namespaces", "uid": "uid", "weak": "weak"}[batch["level"]]
    assert f"isolation: {level}" in batch["stderr"] or f"isolation: {level.upper()}" in batch["stderr"], batch["stderr"]


MEMBER_PARAMS = [pytest.param(m, id=hb.member_name(m)) for m in hb.HOSTILE]


@pytest.mark.parametrize("member", MEMBER_PARAMS)
def test_hostile_member(batch: dict[str, Any], member: Path) -> None:
    """Its status, no more than its honest points (exactly those when graded), a plain reason, its limits."""
    if member not in hb.members(batch["level"]):
        pytest.skip(f"not graded at level {batch['level']}: {hb.NOT_UNDER[batch['level']][member.name]}")
    name = hb.member_name(member)
    if name in UNREPORTED_AT.get(batch["level"], {}):
        pytest.skip(f"level {batch['level']}: {UNREPORTED_AT[batch['level']][name]} (docs/instructors.md)")
    record = batch["records"][name]
    summary = f"{name}: {record['score']:g}/{record['max_score']:g} {record['status']} ({record['reason']}); {_clauses(record)}"
    assert record["max_score"] == len(CORE), summary
    status, most = EXPECT_AT.get(batch["level"], {}).get(name) or expectation(member)
    assert record["status"] == status and record["score"] <= most, summary
    if status == "graded":
        assert record["score"] == most, summary
    else:
        assert record["reason"].strip(), f"no reason given for status {status!r}"
    reasons = [c["reason"] for c in record["clauses"] if c["status"] != "passed"] + [record["reason"]] * (status != "graded")
    for text in reasons:
        assert text.strip() and "\n" not in text and "Traceback" not in text and len(text) <= 500, f"not a plain reason: {text!r}"
    assert len(record["output"].encode()) <= OUTPUT_CAP + 4 * 1024, "captured output is capped"
    assert len(json.dumps(record)) <= REPORT_CAP, "the submission bloated its own report (what it sends must be capped)"


@pytest.mark.parametrize("name", sorted(hb.GENERATED))
def test_generated_member(batch: dict[str, Any], name: str) -> None:
    """A 20 GB sparse file and a FIFO inside a folder: refused at intake, with the file named."""
    record = batch["records"][name]
    assert (record["status"], record["score"]) == hb.GENERATED[name], _clauses(record)
    assert ("weights.bin" if name == "sparse_file" else "pipe") in record["reason"], record["reason"]


def test_refusals_name_the_file_and_never_its_target(batch: dict[str, Any]) -> None:
    for name, file in (("symlink_to_classmate", "dropout.py"), ("symlink_to_private", "notes.txt"),
                       ("symlink_to_device", "weights.bin"), ("symlink_loop", "loop")):
        reason = batch["records"][name]["reason"]
        assert f"{file} is a symbolic link" in reason and "/etc" not in reason and "/dev" not in reason, reason


def test_output_past_the_cap_is_dropped_and_noted(batch: dict[str, Any]) -> None:
    record = batch["records"]["output_flood"]
    assert record["status"] == "graded" and "[output truncated after 64 KB:" in record["output"], record["output"][-300:]


def test_neighbours_are_graded_as_if_alone(batch: dict[str, Any]) -> None:
    """Correct members in the hostile batch get full marks; buggy ones lose exactly their bug's clauses."""
    for kind, stems in (("correct", hb.CORRECT_NEIGHBOURS), ("buggy", hb.BUGGY_NEIGHBOURS)):
        for stem in stems:
            record = batch["records"][f"{kind}_{stem}"]
            problem = report_problem(kind, HERE / kind / f"{stem}.py", record)
            assert problem is None, f"{stem}: {problem}; {_clauses(record)}"
    for stem in hb.BUGGY_NEIGHBOURS:  # each neighbour's clause is in the default rubric: it must be caught, not skipped
        module, _ = load(HERE / "buggy" / f"{stem}.py")
        assert module.CAUGHT_BY in CORE


def test_reports_are_the_graders_own(batch: dict[str, Any]) -> None:
    """The CSV and JSON reports are the grader's, written after the children died, and match."""
    if "reports-are-the-graders" not in PROMISES[batch["level"]]:
        pytest.skip(f"level {batch['level']}: a daemon can rewrite the reports after the grader exits (docs/instructors.md)")
    assert batch["forged"] == [], f"reports rewritten after the grader exited: {batch['forged']}"
    expected = sorted(f"{slug(n)}.json" for n in batch["names"])
    assert batch["json_files"] == expected, "no file in the JSON folder but the grader's own reports"
    rows = list(csv.DictReader(io.StringIO(batch["csv"])))
    assert [r["name"] for r in rows] == batch["names"]
    for row in rows:
        record = batch["records"][row["name"]]
        assert float(row["total"]) == record["score"] and row["status"] == record["status"], row
    fake = batch["records"]["prints_fake_results"]
    assert '"score": 6.0' in fake["output"], "the fake results.json was captured as output, and only that"


def test_submission_sources_are_untouched(batch: dict[str, Any]) -> None:
    before, after = batch["sources_before"], batch["sources_after"]
    changed = sorted(path for path, digest in before.items() if after.get(path) != digest)
    assert not changed, f"submission sources deleted or changed by a submission: {changed}"


EVIDENCE = {
    "no-process-left": ("leaked", "processes of the batch outlived the grader (caught by the reaper, killed)"),
    "nothing-planted": ("planted", "files planted outside the sandboxes"),
    "no-pth": ("pth", ".pth files written into the grader's Python"),
    "no-leftovers": ("leftovers", "files left in the temporary folders after the grader exited"),
}


@pytest.mark.parametrize("promise", sorted(set().union(*PROMISES.values()) - OWN_EVIDENCE))
def test_containment(batch: dict[str, Any], promise: str) -> None:
    """The evidence for one promise of this level: no process left, nothing planted or leaked."""
    if promise not in PROMISES[batch["level"]]:
        pytest.skip(f"level {batch['level']} does not promise {promise} (docs/instructors.md)")
    if promise in EVIDENCE:
        key, what = EVIDENCE[promise]
        assert batch[key] == [], f"{what}: {batch[key]}"
    elif promise == "memory-bounded":
        output = batch["records"]["memory_across_processes"]["output"]
        held = int(re.search(r"held: (\d)", output).group(1))  # type: ignore[union-attr]
        assert held <= 2, f"{held} children held 800 MB each under a 2 GB limit: memory is bounded per process only"
    elif promise == "own-session-keyring":
        output = batch["records"]["keyring_channel"]["output"]
        theirs = int(re.search(r"session keyring: (-?\d+)", output).group(1))  # type: ignore[union-attr]
        assert theirs != session_keyring(), "the sandbox shared the grader's session keyring"
    elif promise == "no-secret":
        assert not batch["secret_in_outputs"], "a secret (environment, command line, ~/.ssh, a classmate's file) reached an output"
    else:
        assert promise in ("no-tcp", "no-udp"), f"no evidence for {promise}"
        kind = promise.split("-")[1]
        assert kind not in batch["connections"], f"{kind} reached the listener on loopback: {batch['connections']}"
    if promise == "nothing-planted":
        assert batch["sources_after"] == batch["sources_before"], "files added to or removed from the submissions"


def test_the_weakest_level_stops_what_the_docs_say_it_does_not(batch: dict[str, Any]) -> None:
    """At weak without Landlock, the attacks docs/instructors.md marks "not stopped" do succeed:
    the table is measured, not hoped (and the grader still finishes, with every other promise)."""
    if batch["level"] != "weak":
        pytest.skip("the weak level's own evidence")
    assert batch["leaked"] and batch["planted"] and batch["forged"], "the setsid() daemon outlived the grader and forged"
    assert batch["secret_in_outputs"], "the spy read a secret"
    assert {"tcp", "udp"} <= set(batch["connections"]) and batch["pth"] and batch["leftovers"]
