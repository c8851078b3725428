"""Shards: ``grade --shard K/N`` then ``merge`` writes what one run with the same seed writes, and
``merge`` refuses, in one line naming the shard, shards that do not add up to that run."""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from dropout_conformance.grader import cli
from dropout_conformance.grader.shards import MANIFEST, Shard
from tests.corpus.loading import HERE
from tests.test_gradebooks import CANVAS_EXPORT
from tests.test_grader import _grade_cli

SEED = "20240229"
RUBRIC = """
[rubric]
partial_credit = true

[clauses."init.invalid-p"]
points = 1

[clauses."train.values"]
points = 2

[clauses."train.unbiased"]
points = 2
visibility = "after_published"

[clauses."back.mask-reuse"]
points = 2
visibility = "hidden"
"""
OUTPUTS = ("--csv", "grades.csv", "--json", "json", "--junit", "junit.xml", "--html", "class.html", "--feedback", "feedback")
TIMES = (
    (re.compile(r'"execution_time": [0-9.e+-]+'), '"execution_time": T'),  # JSON reports, Gradescope
    (re.compile(r'time="[0-9.]+"'), 'time="T"'),  # JUnit
    (re.compile(r"Time: [0-9.]+ s"), "Time: T s"),  # HTML
)


def _class(root: Path) -> Path:
    """Five students: correct, buggy, a folder, no class, an import error (the statuses a merge must carry)."""
    subs = root / "class"
    (subs / "carol").mkdir(parents=True)
    shutil.copy(HERE / "correct" / "np_where.py", subs / "alice.py")
    shutil.copy(HERE / "buggy" / "scales_twice.py", subs / "bob.py")
    shutil.copy(HERE / "correct" / "divide_by_keep.py", subs / "carol" / "dropout.py")
    (subs / "dave.py").write_text("class Dropout:\n    pass\n")
    (subs / "erin.py").write_text("raise RuntimeError('erin forgot numpy')\n")
    (root / "rubric.toml").write_text(RUBRIC)
    (root / "export.csv").write_text(CANVAS_EXPORT, encoding="utf-8")
    return subs


def _tree(folder: Path) -> dict[str, str]:
    """Every output file's text, times replaced (they are measured, so no two runs share them)."""
    texts = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        text = path.read_text(encoding="utf-8-sig")
        for pattern, replacement in TIMES:
            text = pattern.sub(replacement, text)
        texts[str(path.relative_to(folder))] = text
    return texts


def _run(*args: str, cwd: Path) -> str:
    done, _ = _grade_cli(*args, cwd=cwd, tmpdir=Path(tempfile.gettempdir()), timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stderr


def _merge(*args: str, cwd: Path) -> tuple[int, str]:
    done = subprocess.run([sys.executable, "-m", "dropout_conformance", "merge", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)
    return done.returncode, done.stderr


def test_a_shard_is_every_nth_name_whatever_the_listing_order() -> None:
    names = [f"student{i:03d}" for i in range(103)]
    for count in (1, 2, 4, 7, 200):
        parts = [Shard(k, count).take(names) for k in range(1, count + 1)]
        shuffled = random.Random(count).sample(names, len(names))
        assert parts == [Shard(k, count).take(shuffled) for k in range(1, count + 1)], "order of the listing changed a shard"
        assert sorted(n for p in parts for n in p) == names, "every submission in exactly one shard"
        assert max(map(len, parts)) - min(map(len, parts)) <= 1, [len(p) for p in parts]
    for bad in ("0/3", "4/3", "3", "a/b", "1/0", "-1/2"):
        with pytest.raises(ValueError, match="K/N"):
            Shard.parse(bad)


def test_merged_shards_write_the_single_runs_outputs(tmp_path: Path) -> None:
    subs = _class(tmp_path)
    rubric = ("--rubric", str(tmp_path / "rubric.toml"), "--seed", SEED)
    outputs = (*OUTPUTS, "--gradebook", "canvas", "canvas.csv", "--roster", str(tmp_path / "export.csv"),
               "--roster-key", "SIS Login ID")
    (tmp_path / "single").mkdir()
    _run(str(subs), *rubric, *outputs, cwd=tmp_path / "single")
    for k in (1, 2, 3):  # one after another, shard 3 first: order must not matter
        _run(str(subs), *rubric, "--shard", f"{4 - k}/3", "--shard-dir", str(tmp_path / f"shard{4 - k}"), cwd=tmp_path)
    held = [json.loads((tmp_path / f"shard{k}" / MANIFEST).read_text())["files"] for k in (1, 2, 3)]
    assert [sorted(h) for h in held] == [["alice", "dave"], ["bob", "erin"], ["carol"]]
    (tmp_path / "merged").mkdir()
    code, err = _merge(*(str(tmp_path / f"shard{k}") for k in (2, 3, 1)), *outputs, cwd=tmp_path / "merged")
    assert code == 0, err
    single, merged = _tree(tmp_path / "single"), _tree(tmp_path / "merged")
    assert sorted(merged) == sorted(single) and len(single) == 14, sorted(merged)
    for name, text in single.items():
        assert merged[name] == text, f"{name} differs between the merged shards and the single run"
    statuses = {json.loads((tmp_path / "single" / "json" / f"{n}.json").read_text())["status"]
                for n in ("alice", "bob", "carol", "dave", "erin")}
    assert statuses == {"graded", "missing class", "import error"}


def _shards(tmp_path: Path) -> tuple[Path, Path]:
    subs = tmp_path / "class"
    subs.mkdir()
    shutil.copy(HERE / "correct" / "np_where.py", subs / "alice.py")
    shutil.copy(HERE / "buggy" / "scales_twice.py", subs / "bob.py")
    for k in (1, 2):
        _run(str(subs), "--seed", SEED, "--shard", f"{k}/2", "--shard-dir", str(tmp_path / f"s{k}"), "-q", cwd=tmp_path)
    return tmp_path / "s1", tmp_path / "s2"


def _variant(tmp_path: Path, source: Path, name: str, edit=None, drop: str | None = None) -> Path:  # type: ignore[no-untyped-def]
    copy = tmp_path / name
    shutil.copytree(source, copy)
    if edit is not None:
        manifest = json.loads((copy / MANIFEST).read_text())
        edit(manifest)
        (copy / MANIFEST).write_text(json.dumps(manifest))
    if drop:
        (copy / drop).unlink()
    return copy


def test_merge_refuses_shards_that_do_not_add_up_to_one_run(tmp_path: Path) -> None:
    s1, s2 = _shards(tmp_path)
    subs = tmp_path / "class"
    _run(str(subs), "--seed", "7", "--shard", "2/2", "--shard-dir", str(tmp_path / "seed7"), "-q", cwd=tmp_path)
    _run(str(subs), "--seed", SEED, "--profile", "spec", "--shard", "2/2", "--shard-dir", str(tmp_path / "spec"), "-q",
         cwd=tmp_path)

    def bob_twice(m):  # type: ignore[no-untyped-def]
        m["files"]["bob"] = "bob-copy.json"

    shutil.copy(s2 / "bob.json", s1 / "bob-copy.json")
    cases = {
        "missing": ([s1], "shard(s) 2/2 missing"),
        "duplicated": ([s1, s2, s1], "shard 1/2 again"),
        "seed": ([s1, tmp_path / "seed7"], "in its seed"),
        "rubric": ([s1, tmp_path / "spec"], "in its rubric"),
        "unfinished": ([s1, _variant(tmp_path, s2, "unfinished", drop=MANIFEST)], f"no {MANIFEST}"),
        "result lost": ([s1, _variant(tmp_path, s2, "lost", drop="bob.json")], "cannot read"),
        "overlap": ([_variant(tmp_path, s1, "overlap", bob_twice), s2], "is also in"),
        "kit": ([s1, _variant(tmp_path, s2, "kit", lambda m: m.update(kit_version="0.0.1"))],
                "graded by dropout-conformance 0.0.1"),
        "timeout": ([s1, _variant(tmp_path, s2, "timeout", lambda m: m["settings"].update(timeout=1.0))], "in its --attr, --entry"),
        "class": ([s1, _variant(tmp_path, s2, "other-class", lambda m: m.update(class_size=3, class_digest="0" * 64))],
                  "in its set of submissions"),
        "not a folder": ([s1, tmp_path / "nowhere"], "no such folder"),
    }
    for what, (folders, message) in cases.items():
        code, err = _merge(*map(str, folders), "--csv", str(tmp_path / "out.csv"), cwd=tmp_path)
        lines = err.splitlines()
        assert code == 2 and len(lines) == 1 and message in lines[0], f"{what}: exit {code}: {err}"
        assert lines[0].startswith("dropout-conformance merge: error: ")
    assert not (tmp_path / "out.csv").exists(), "a refused merge writes nothing"
    code, err = _merge(str(s1), str(s2), "--csv", str(tmp_path / "out.csv"), cwd=tmp_path)
    assert code == 0, err
    assert [line.split(",")[0] for line in (tmp_path / "out.csv").read_text().splitlines()[1:]] == ["alice", "bob"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--shard", "1/2", "--shard-dir", "out"], "--shard needs --seed"),
        (["--shard", "1/2", "--seed", "1"], "--shard K/N and --shard-dir DIR go together"),
        (["--shard-dir", "out", "--seed", "1"], "--shard K/N and --shard-dir DIR go together"),
        (["--shard", "1/2", "--shard-dir", "out", "--seed", "1", "--csv", "g.csv"],
         "pass the outputs to `dropout-conformance merge`"),
        (["--shard", "3/2", "--shard-dir", "out", "--seed", "1"], "1 <= K <= N"),
        (["--shard", "1/2", "--shard-dir", "out", "--seed", "1", "--submission-file", "dropout.py"], "single-submission"),
    ],
)
def test_shard_options_misused_get_one_line(argv: list[str], message: str, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(HERE / "correct" / "np_where.py", tmp_path / "alice.py")
    try:
        code = cli.main(["grade", str(tmp_path), *argv])
    except SystemExit as exc:
        code = exc.code  # type: ignore[assignment]
    err = capsys.readouterr().err.splitlines()
    assert code == 2 and len(err) == 1 and message in err[0], err
