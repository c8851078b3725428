"""The grader's integrity policy (docs/architecture.md, "Integrity policy"): a submission that uses the
kit's reference, by any of the routes a student who read our source would try, is refused with the
kit's sentence and scored 0 on what it affects; a rubric's ``forbid_imports`` adds packages; an
honest submission loses nothing.

Each attack is graded at the strongest level this machine offers (where the kit's files are not
even on the sandbox's filesystem) and at level weak without Landlock (where they are readable, so
the worker's hook is all that stands in the way). The hostile corpus's imports_reference*.py members
carry the default policy through every level of tests/test_sandbox.py (DROPOUT_TEST_LEVELS).
"""

from __future__ import annotations

import dataclasses
import os
import textwrap
from pathlib import Path
from typing import Any

import pytest

import dropout_reference
from dropout_conformance.grader.cli import main
from dropout_conformance.grader.grade import Submission, grade_submission
from dropout_conformance.grader.rubric import Rubric, RubricError, load_rubric, profile_rubric
from dropout_conformance.sandbox import probe
from dropout_conformance.sandbox.integrity import DIGEST_MIN_BYTES, ImportPolicy, policy_for, refusal
from dropout_conformance.sandbox.isolation import Isolation
from dropout_conformance.sandbox.parent import Limits

REF_FILE = os.path.realpath(dropout_reference.__file__)
REF_DIR = os.path.dirname(REF_FILE)
REFUSED = refusal("dropout_reference")
FORWARD_FREE = {"init.invalid-p"}
"""The core clauses that never call forward (a layer that refuses to run still validates p)."""

HONEST_LAYER = """
class DropoutLayer:
    def __init__(self, p):
        if isinstance(p, bool) or not isinstance(p, (int, float)) or math.isnan(p) or not 0 <= p < 1:
            raise ValueError(f"p must be in [0, 1), got {p!r}")
        self.p, self.mask = float(p), None

    def forward(self, x, training=True):
        FORWARD_PRELUDE
        if not training or self.p == 0:
            self.mask = np.ones(x.shape, dtype=bool)
            return x.copy()
        self.mask = np.random.random_sample(x.shape) >= self.p
        with np.errstate(over="ignore"):
            return np.where(self.mask, x / x.dtype.type(1 - self.p), x.dtype.type(0))

    def backward(self, grad):
        with np.errstate(over="ignore"):
            return np.where(self.mask, grad / grad.dtype.type(1 - self.p), grad.dtype.type(0))
"""


def honest(prelude: str = "pass", header: str = "") -> str:
    """A correct layer importing numpy and math, with ``header`` at top level and ``prelude`` in forward."""
    return f"import math\nimport numpy as np\n{header}\n" + HONEST_LAYER.replace("FORWARD_PRELUDE", prelude)


TRICKS = {
    "direct": "from dropout_reference import DropoutLayer",
    "kit": "from dropout_conformance.sandbox import child\nDropoutLayer = child",
    "importlib": "import importlib\nDropoutLayer = importlib.import_module('dropout_reference').DropoutLayer",
    "dunder_import": "DropoutLayer = __import__('dropout_reference').DropoutLayer",
    "finder_removed": (
        "import importlib, sys\n"
        "sys.meta_path[:] = [f for f in sys.meta_path if 'Refuser' not in type(f).__name__]\n"
        "DropoutLayer = importlib.import_module('dropout_reference').DropoutLayer"
    ),
    "spec_from_file_location": (
        "import importlib.util\n"
        f"spec = importlib.util.spec_from_file_location('mine', {REF_FILE!r})\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(module)\n"
        "DropoutLayer = module.DropoutLayer"
    ),
    "exec_open": f"namespace = {{}}\nexec(open({REF_FILE!r}).read(), namespace)\nDropoutLayer = namespace['DropoutLayer']",
    "sys_path_alias": (
        "import importlib, sys\n"
        f"sys.path.insert(0, {os.path.dirname(REF_DIR)!r})\n"
        f"DropoutLayer = importlib.import_module({os.path.basename(REF_DIR)!r}).DropoutLayer"
    ),
    "relative_path": (
        "import importlib.util, os\n"
        f"relative = os.path.relpath({REF_FILE!r}, os.getcwd())\n"
        "spec = importlib.util.spec_from_file_location('mine', relative)\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(module)\n"
        "DropoutLayer = module.DropoutLayer"
    ),
    "folder_descriptor": (
        "import os\n"
        f"folder = os.open({os.path.dirname(REF_DIR)!r}, os.O_RDONLY)\n"
        f"fd = os.open({os.path.basename(REF_DIR) + '/' + os.path.basename(REF_FILE)!r}, os.O_RDONLY, dir_fd=folder)\n"
        "namespace = {}\n"
        "exec(os.read(fd, 1 << 20), namespace)\n"
        "DropoutLayer = namespace['DropoutLayer']"
    ),
    "symlink": (
        "import os, sys\n"
        f"os.symlink({REF_DIR!r}, 'mine')\n"
        "sys.path.insert(0, os.getcwd())\n"
        "from mine import DropoutLayer"
    ),
}
"""Top-level routes to the reference: each must be refused before the submission loads."""
KERNEL_FIRST = {"finder_removed", "sys_path_alias", "folder_descriptor", "symlink"}
"""Tricks that search or open the reference's folder before any file of it: where the sandbox cannot
see it (level namespaces, Landlock) they find nothing (no such module or file), refused all the same."""

LEVELS = {"best": probe.best, "weak": lambda: Isolation("weak")}


@pytest.fixture(params=sorted(LEVELS), scope="module")
def level(request: pytest.FixtureRequest) -> Isolation:
    return LEVELS[request.param]()


def grade(tmp_path: Path, iso: Isolation, source: str, rubric: Rubric | None = None, files: dict[str, str] | None = None) -> Any:
    folder = tmp_path / "submission"
    folder.mkdir(exist_ok=True)
    (folder / "dropout.py").write_text(textwrap.dedent(source))
    for name, text in (files or {}).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    limits = Limits(call_timeout=20, submission_timeout=90, isolation=iso, temp_root=str(tmp_path))
    return grade_submission(Submission("student", folder, "dropout.py"), rubric or profile_rubric("core"), 20240229, limits)


def assert_refused_at_import(result: Any, name: str) -> None:
    """The submission did not load, and every clause says why in the kit's words."""
    summary = f"{result.status}: {result.reason}; {[(c.clause, c.points, c.reason) for c in result.clauses]}"
    assert result.status == "import error" and result.score == 0, summary
    assert result.reason.endswith(refusal(name)), summary
    assert result.clauses and all(c.points == 0 and c.cause == f"the submission {refusal(name)}" for c in result.clauses), summary


@pytest.mark.parametrize("trick", sorted(TRICKS))
def test_top_level_routes_to_the_reference_are_refused(tmp_path: Path, level: Isolation, trick: str) -> None:
    result = grade(tmp_path, level, TRICKS[trick])
    if trick in KERNEL_FIRST and level.level != "weak":
        assert result.status == "import error" and result.score == 0, result.reason
        return
    assert_refused_at_import(result, "dropout_conformance" if trick == "kit" else "dropout_reference")


def test_lazy_import_in_forward_fails_the_clauses_that_call_it(tmp_path: Path, level: Isolation) -> None:
    result = grade(tmp_path, level, honest("from dropout_reference import DropoutLayer as _"))
    assert result.status == "graded", result.reason
    for score in result.clauses:
        if score.clause in FORWARD_FREE:
            assert score.points == score.max_points, (score.clause, score.reason)
        else:
            assert score.points == 0 and REFUSED in score.reason, (score.clause, score.reason)


def test_honest_submission_keeps_every_point(tmp_path: Path, level: Isolation) -> None:
    """numpy and math import; the protocol survives json (which it uses) being forbidden and scrubbed."""
    rubric = dataclasses.replace(profile_rubric("core"), forbid_imports=("json", "fractions"))
    result = grade(tmp_path, level, honest("import math as _m"), rubric)
    assert (result.status, result.score) == ("graded", rubric.max_score), [(c.clause, c.reason) for c in result.clauses]


@pytest.mark.parametrize(("header", "name"), [("import fractions", "fractions"), ("import json", "json"),
                                              ("from helper import scale", "helper")])
def test_rubric_forbid_imports_is_enforced(tmp_path: Path, level: Isolation, header: str, name: str) -> None:
    """A standard-library module, one the sandbox itself had loaded (json), and a package of the
    submission's own folder (a stand-in for torch: not installed here)."""
    rubric = dataclasses.replace(profile_rubric("core"), forbid_imports=("fractions", "json", "helper"))
    result = grade(tmp_path, level, honest(header=header), rubric, files={"helper/__init__.py": "scale = 2\n"})
    assert_refused_at_import(result, name)


def test_a_forged_refusal_gets_the_kits_generic_cause(tmp_path: Path) -> None:
    """The clause cause is built from the names the grader sent, never from what the child said."""
    result = grade(tmp_path, probe.best(), f"raise ImportError({refusal('<b>x</b>')!r})")
    assert result.status == "import error"
    assert all(c.cause == "the submission did not import (see its status)" for c in result.clauses)


def test_no_kit_layer_is_loaded_in_the_sandbox(tmp_path: Path, level: Isolation) -> None:
    """Walking every object in the worker's memory finds the sandbox's plumbing, never a layer."""
    source = """
        import gc, types
        modules = [o for o in gc.get_objects() if isinstance(o, types.ModuleType)]
        print("KIT-MODULES", sorted(m.__name__ for m in modules if m.__name__.startswith("dropout_")), flush=True)
        DropoutLayer = next(m.DropoutLayer for m in modules if hasattr(m, "DropoutLayer"))
    """
    result = grade(tmp_path, level, source)
    assert result.status == "import error" and "StopIteration" in result.reason, result.reason
    (line,) = [line for line in result.output.splitlines() if line.startswith("KIT-MODULES")]
    assert "dropout_conformance.sandbox.child" in line and "dropout_reference" not in line, line


def test_an_unmodified_copy_of_the_reference_is_refused_wherever_it_is(tmp_path: Path, level: Isolation) -> None:
    """The kit's own source files are fingerprinted: a byte-identical copy, here as the submission's
    own module, is refused when compiled."""
    result = grade(tmp_path, level, Path(REF_FILE).read_text())
    assert_refused_at_import(result, "dropout_reference")


def test_the_policy_names_the_kits_files() -> None:
    policy = policy_for(["fractions"])
    assert policy.names == ("dropout_conformance", "dropout_reference", "fractions")
    assert policy.paths[REF_DIR] == "dropout_reference" and "fractions" in policy.paths.values()
    assert len(policy.digests) >= 2 and set(policy.digests.values()) <= {"dropout_conformance", "dropout_reference"}
    assert os.path.getsize(REF_FILE) >= DIGEST_MIN_BYTES
    assert ImportPolicy().cause(ImportError(f"ImportError: {REFUSED}")) == ""


def _rubric(tmp_path: Path, forbid: str) -> Path:
    path = tmp_path / "rubric.toml"
    path.write_text(f'[rubric]\nforbid_imports = {forbid}\n\n[clauses."init.invalid-p"]\npoints = 1\n')
    return path


def test_rubric_reads_forbid_imports(tmp_path: Path) -> None:
    assert load_rubric(str(_rubric(tmp_path, '["torch", "jax", "torch"]'))).forbid_imports == ("torch", "jax")


@pytest.mark.parametrize(("forbid", "said"), [
    ('"torch"', "must be a list of package names"),
    ("[1]", "must be a list of package names"),
    ('["torch-nn"]', "'torch-nn' is not a module name"),
    ('["class"]', "'class' is not a module name"),
    ('[""]', "'' is not a module name"),
    ('["torch.nn"]', "takes top-level packages: 'torch', not 'torch.nn'"),
    ('["numpy"]', "cannot include 'numpy'"),
    ('["sys"]', "cannot include 'sys'"),
])
def test_rubric_refuses_bad_forbid_imports(tmp_path: Path, forbid: str, said: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = _rubric(tmp_path, forbid)
    with pytest.raises(RubricError, match=said.replace(".", r"\.")):
        load_rubric(str(path))
    (tmp_path / "dropout.py").write_text(honest())
    assert main(["grade", "--rubric", str(path), "-q", str(tmp_path / "dropout.py")]) == 2
    err = capsys.readouterr().err.strip()
    assert said in err and "\n" not in err and "Traceback" not in err, err


def test_forbidden_files_inside_what_the_sandbox_reads_are_masked(tmp_path: Path) -> None:
    """At level namespaces a forbidden standard-library module is an empty file in the sandbox, so
    a route that gets past the interpreter (os.stat raises no audit event; ctypes would) finds nothing."""
    iso = probe.best()
    if iso.level != "namespaces":
        pytest.skip(f"masking is done at level namespaces; this machine offers {iso.level}")
    import fractions

    rubric = dataclasses.replace(profile_rubric("core"), forbid_imports=("fractions",))
    probe_size = f"import os\nprint('SIZE', os.stat({fractions.__file__!r}).st_size, flush=True)"
    result = grade(tmp_path, iso, honest(header=probe_size), rubric)
    assert result.status == "graded" and "SIZE 0" in result.output.splitlines(), result.output
    assert os.path.getsize(fractions.__file__) > 0
