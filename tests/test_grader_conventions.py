"""The grader on course-style function pairs: a folder with a ``layers.py`` per student, graded
through the rubric's ``[convention]`` (the adapter runs in the sandbox, beside the student's code)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dropout_conformance.grader import cli
from dropout_conformance.grader.rubric import RubricError, load_rubric
from tests.corpus.loading import report_problem
from tests.test_grader import _grade_cli, _public_folder

HERE = Path(__file__).parent / "corpus"
CLAUSES = ("init.invalid-p", "infer.identity", "train.values", "train.unbiased", "train.p-zero", "back.mask-reuse",
           "back.instance-isolation")
RUBRIC = "[convention]\nname = \"function-pair\"\nparam_means = \"keep\"\n\n" + "".join(
    f'[clauses."{c}"]\npoints = 1\n\n' for c in CLAUSES)
STUDENTS = {
    "alice": ("correct", "function_pair_keep.py"),
    "bob": ("buggy", "function_pair_keep_drop_swapped.py"),
    "carol": ("buggy", "function_pair_cache_reused.py"),
}


def test_a_folder_of_function_pairs_is_graded_through_the_rubrics_convention(tmp_path: Path) -> None:
    root = _public_folder("dropout-fp-")
    try:
        (root / "rubric.toml").write_text(RUBRIC)
        for student, (kind, member) in STUDENTS.items():
            folder = root / "class" / student
            folder.mkdir(parents=True)
            shutil.copy(HERE / kind / member, folder / "layers.py")
            (folder / "fc_net.py").write_text("from layers import *\n")  # the course's other files
        done, _ = _grade_cli(str(root / "class"), "--entry", "layers.py", "--rubric", str(root / "rubric.toml"),
                             "--seed", "5", "--json", str(root / "json"), cwd=root, tmpdir=root, timeout=300)
        assert done.returncode == 0, done.stderr
        for student, (kind, member) in STUDENTS.items():
            record = json.loads((root / "json" / f"{student}.json").read_text())
            assert record["status"] == "graded", record["reason"]
            problem = report_problem(kind, HERE / kind / member, record)
            assert problem is None, f"{student}: {problem}"
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.parametrize(
    ("table", "fragment"),
    [
        ('name = "function-pair"', 'function-pair needs the meaning of p, never guessed: param_means = "keep"'),
        ('name = "function-pair"\nparam_means = "both"', 'param_means must be "keep" or "drop"'),
        ('name = "keep-prob"\nparam_means = "keep"', 'param_means applies to name = "function-pair" only'),
        ('name = "torch-module"', "the grader runs only the kit's own conventions"),
        ('name = "flag-name"', "flag-name needs the training flag's keyword name"),
        ('name = "keep-prob"\nseed = 1', "unknown [convention] key(s) ['seed']"),
    ],
)
def test_a_bad_convention_table_is_refused(tmp_path: Path, table: str, fragment: str) -> None:
    path = tmp_path / "rubric.toml"
    path.write_text(f"[convention]\n{table}\n\n[clauses.\"train.values\"]\npoints = 1\n")
    with pytest.raises(RubricError) as info:
        load_rubric(str(path))
    assert fragment in str(info.value) and "\n" not in str(info.value), str(info.value)


def test_the_convention_option_needs_function_pairs_meaning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "layers.py").write_text("")
    assert cli.main(["grade", str(tmp_path / "layers.py"), "--convention", "function-pair"]) == 2
    assert "--param-means=keep|drop" in capsys.readouterr().err
    assert cli.main(["grade", str(tmp_path / "layers.py"), "--param-means", "keep"]) == 2
    assert "--param-means needs --convention function-pair" in capsys.readouterr().err


def test_a_rubric_convention_loads_as_its_head(tmp_path: Path) -> None:
    path = tmp_path / "rubric.toml"
    path.write_text(RUBRIC)
    assert load_rubric(str(path)).convention == "function-pair=keep"
