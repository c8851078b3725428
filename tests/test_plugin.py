"""The pytest plugin's behaviour, black-box, through the ``pytester`` fixture.

Every run passes ``-p dropout_conformance.plugin`` with ``PYTEST_DISABLE_PLUGIN_AUTOLOAD=1`` (the
``pt`` fixture), so the plugin is proven to work when loaded explicitly; ``test_entry_point_autoloads``
runs with autoload on and no ``-p`` to prove the pytest11 entry point loads it. Runs go through a
subprocess wherever imports, ``sys.modules``, ``sys.path`` or entry points matter; only usage errors
that import nothing run in-process. Selections (``-k``, ``--dropout-profile=core``,
``--dropout-no-baseline``, ``--collect-only``) keep the file fast; the full suite runs once.
"""

from __future__ import annotations

import importlib.util
import re
import shlex
from pathlib import Path

import pytest

from dropout_conformance import SPEC_VERSION, __version__
from dropout_conformance.checks import case_seed, cases  # numpy: import before any pytester snapshot
from dropout_conformance.spec import CLAUSES
from tests.helpers import PLUGIN, TIMEOUT, run, write

PUBLISHED = {"init.invalid-p", "infer.identity", "train.values", "train.unbiased", "train.p-zero", "back.mask-reuse"}
MUST = {c.id for c in CLAUSES if c.level == "MUST"}
HEADER = re.compile(
    r"^dropout-conformance (?P<version>\S+), spec (?P<spec>\S+), profile (?P<profile>\S+), "
    r"seed: --dropout-seed=(?P<seed>\d+)$"
)
REFERENCE_FILE = importlib.util.find_spec("dropout_reference").origin
MASTER_SEED = re.compile(r"^\(master seed (\d+), check seed (\d+)\)$")

# A correct layer that does not import dropout_reference (one test shadows that module).
CORRECT = '''\
import math
import numbers

import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if isinstance(p, bool) or not isinstance(p, numbers.Real) or math.isnan(p) or not 0 <= p < 1:
            raise ValueError(f"bad p {p!r}")
        self.p = float(p)
        self._rng = np.random.default_rng()
        self._keep = None
        self._called = False

    def forward(self, x, training=True):
        self._called = True
        if not training:
            self._keep = None
            return x
        x = np.asarray(x)
        self._keep = self._rng.random(x.shape) >= self.p
        return self._apply(x)

    def backward(self, grad):
        if not self._called:
            raise RuntimeError("backward before forward")
        grad = np.asarray(grad)
        return grad if self._keep is None else self._apply(grad)

    def _apply(self, a):
        dtype = a.dtype if np.issubdtype(a.dtype, np.inexact) else np.dtype(np.float64)
        out = a.astype(dtype, copy=True)
        out /= dtype.type(1.0 - self.p)
        out[~self._keep] = 0
        return out


def make_layer(p):
    """A factory rather than a class."""
    return DropoutLayer(p)


CONST = 3
'''

# backward draws a fresh mask from numpy's global RNG (tests/corpus/buggy/backward_draws_new_mask.py):
# back.mask-reuse fails with a message that depends on the random draws, e.g.
# "differs from out2's at 43 of 80 positions where x != 0 (first: [2, 5, 8, 10, 13])".
BUGGY = (Path(__file__).parent / "corpus" / "buggy" / "backward_draws_new_mask.py").read_text()  # draws a new mask in backward
# At p = 0.5 a fresh mask cannot pass for forward's by chance (< 2**-40), whatever the seed.
BUGGY_FAILS = "back.mask-reuse-p0.5"

# forward returns a list: train.output-shape fails and blocks the checks that need an array.
LISTY = """\
import numpy as np


class DropoutLayer:
    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p

    def forward(self, x, training=True):
        if not training:
            return x
        self.mask = np.random.rand(*np.shape(x)) >= self.p
        return list((x * self.mask / (1 - self.p)).ravel())

    def backward(self, grad):
        return grad * self.mask / (1 - self.p)
"""


# ---------------------------------------------------------------------------------------- helpers
# Computed at import: pytester restores sys.modules after each test, and re-importing the check
# modules (or numpy) later in this process would register every check twice.
CASES = {profile: {c.key: c for c in cases(profile)} for profile in ("core", "spec")}


def suite_cases(profile: str) -> list[tuple[str, str]]:
    """(case key, clause id) of every case in ``profile``, as the plugin will parametrize them."""
    return [(k, c.clause) for k, c in CASES[profile].items()]


def n_cases(profile: str, *clauses: str) -> int:
    return sum(1 for _, c in suite_cases(profile) if not clauses or c in clauses)


def keys_with(profile: str, prefix: str) -> list[str]:
    return [k for k, _ in suite_cases(profile) if k.startswith(prefix)]


def header(result: pytest.RunResult) -> re.Match[str]:
    found = [m for m in map(HEADER.match, result.outlines) if m]
    assert len(found) == 1, result.stdout.str()
    return found[0]


def impl_lines(result: pytest.RunResult) -> list[str]:
    """The header's per-implementation lines (indented, right after the main header line)."""
    start = next(i for i, line in enumerate(result.outlines) if HEADER.match(line))
    lines = []
    for line in result.outlines[start + 1 :]:
        if not line.startswith("  "):
            break
        lines.append(line.strip())
    return lines


def collected_ids(result: pytest.RunResult) -> list[str]:
    """Parameter IDs of test_clause items listed by ``--collect-only -q``."""
    return [m.group(1) for m in (re.search(r"::test_clause\[(.+)\]$", line) for line in result.outlines) if m]


def clause_of(key: str) -> str:
    """The clause a case key (``train.values-p0.2-float32``) belongs to: the longest matching ID."""
    matches = [c.id for c in CLAUSES if key == c.id or key.startswith(c.id + "-")]
    assert matches, key
    return max(matches, key=len)


def failures(result: pytest.RunResult) -> dict[str, str]:
    """The body of each failure section in the FAILURES block, by the failing test's parameter ID."""
    out: dict[str, str] = {}
    current: str | None = None
    for line in result.outlines:
        title = re.match(r"^_+ test_clause\[(.+)\] _+$", line)
        if title:
            current = title.group(1)
            out[current] = ""
        elif line.startswith(("=", "_")):
            current = None
        elif current is not None:
            out[current] += line + "\n"
    return out


def summary_row(result: pytest.RunResult, clause_id: str) -> list[str]:
    """The cells of a clause's row in the end-of-run table."""
    rows = [line for line in result.outlines if re.match(rf"^{re.escape(clause_id)}\s+(MUST|SHOULD)\s", line)]
    assert len(rows) == 1, result.stdout.str()
    return re.split(r"\s{2,}", rows[0])[2:]


def one_error_line(result: pytest.RunResult) -> str:
    errors = [line for line in result.errlines if line.startswith("ERROR:")]
    assert len(errors) == 1, result.stderr.str()
    return errors[0]


# ------------------------------------------------------------------------------------- 1. dormancy
def test_dormant_without_dropout_impl(pt: pytest.Pytester) -> None:
    heavy = ["numpy", "scipy", "hypothesis", "dropout_reference", "dropout_conformance.checks", "dropout_conformance.suite"]
    write(
        pt,
        "conftest.py",
        f"""
        import sys

        HEAVY = {heavy!r}

        def pytest_terminal_summary(terminalreporter):
            loaded = sorted(m for m in HEAVY if m in sys.modules)
            terminalreporter.write_line(f"HEAVY-AT-END: {{loaded}}")
        """,
    )
    write(
        pt,
        "test_project.py",
        f"""
        import sys

        def test_arithmetic():
            assert 1 + 1 == 2

        def test_wants_a_layer(dropout_impl):
            raise AssertionError("must be skipped without --dropout-impl")

        def test_plugin_loaded_but_nothing_heavy():
            assert "dropout_conformance.plugin" in sys.modules
            assert [m for m in {heavy!r} if m in sys.modules] == []
        """,
    )
    result = run(pt, "-rs")
    assert result.ret == 0, result.stdout.str()
    result.assert_outcomes(passed=2, skipped=1)
    result.stdout.fnmatch_lines(["collected 3 items", "HEAVY-AT-END: []", "SKIPPED * needs --dropout-impl=IMPL"])
    text = "\n".join(line for line in result.outlines if not line.startswith("plugins:"))  # pytest lists it there
    assert "dropout-conformance" not in text and "test_clause" not in text and "--dropout-seed" not in text


def test_options_are_registered(pt: pytest.Pytester) -> None:
    result = run(pt, "--help")
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "dropout-conformance:*",
            "*--dropout-impl=IMPL*",
            "*--dropout-profile=PROFILE*",
            "*--dropout-seed=N*",
            "*--dropout-no-baseline*",
        ]
    )


def test_entry_point_autoloads(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """With autoloading on and no ``-p``, the pytest11 entry point alone brings the plugin in."""
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    result = pytester.runpytest_subprocess(
        "--dropout-impl=reference", "--dropout-profile=core", "-k", "infer.identity", timeout=TIMEOUT
    )
    assert result.ret == 0, result.stdout.str()
    assert header(result)["profile"] == "core"
    result.assert_outcomes(passed=n_cases("core", "infer.identity"))


def test_explicit_module_plugin_arg_with_autoload(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """`-p dropout_conformance.plugin` with autoload on must not register the plugin twice."""
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    result = run(pytester, "--dropout-impl=reference", "--dropout-profile=core", "-k", "infer.identity")
    assert result.ret == 0, result.stderr.str()


# ------------------------------------------------------------------------------ 2. a bare run
def test_bare_run_from_empty_folder_runs_the_suite(pt: pytest.Pytester) -> None:
    result = run(pt, "--dropout-impl=reference")
    assert result.ret == 0, result.stdout.str()
    n = n_cases("spec")
    result.assert_outcomes(passed=n)
    result.stdout.fnmatch_lines([f"collected {n} items"])
    h = header(result)
    assert (h["version"], h["spec"], h["profile"]) == (__version__, SPEC_VERSION, "spec")
    assert SPEC_VERSION == "1.1"
    assert impl_lines(result) == [
        f"reference [baseline]: entry point 'reference' -> dropout_reference:DropoutLayer (dropout-conformance {__version__})"
    ]
    seed = h["seed"]
    result.stdout.fnmatch_lines(
        [
            f"=* dropout-conformance: profile spec, seed {seed} =*",
            "clause * level * reference",
            *(f"{c.id} * MUST * pass {n_cases('spec', c.id)}" for c in CLAUSES if c.level == "MUST"),
            f"reference: {n} passed",
            f"{n} of {n} conformance cases ran; * clauses are outside profile 'spec': *",
        ]
    )


def test_bare_run_ignores_the_projects_own_tests(pt: pytest.Pytester) -> None:
    write(pt, "test_project.py", "def test_own():\n    assert False\n")
    result = run(pt, "--dropout-impl=reference", "--dropout-profile=core", "--collect-only", "-q")
    assert result.ret == 0, result.stdout.str()
    assert "test_own" not in result.stdout.str()
    ids = collected_ids(result)
    assert len(ids) == n_cases("core") and all(i.startswith("reference-") for i in ids)


# ---------------------------------------------------------------------------- 3. value forms
VALUE_FORMS = {
    # id: (value, extra args, header line pattern for the implementation)
    "module": (
        "mylayers:DropoutLayer",
        ("-c", "pythonpath.ini"),  # an ini file, not -o: pytest 7.4's -o pythonpath needs an inifile
        r"mylayers:DropoutLayer: module mylayers \(.*/src/mylayers\.py\)",
    ),
    "file": ("sub/impl.py:DropoutLayer", (), r"sub/impl\.py:DropoutLayer: file /.*/sub/impl\.py"),
    "factory": ("sub/impl.py:make_layer", (), r"sub/impl\.py:make_layer: file /.*/sub/impl\.py"),
    "registered": ("reference", (), r"reference \[baseline\]: entry point 'reference' -> dropout_reference:DropoutLayer .*"),
    "all": ("all", (), r"reference \[baseline\]: entry point 'reference' -> dropout_reference:DropoutLayer .*"),
}


@pytest.mark.parametrize("form", list(VALUE_FORMS))
def test_value_forms(pt: pytest.Pytester, form: str) -> None:
    value, extra, how = VALUE_FORMS[form]
    write(pt, "sub/impl.py", CORRECT)
    write(pt, "src/mylayers.py", CORRECT)  # importable only through pythonpath=src
    write(pt, "pythonpath.ini", "[pytest]\npythonpath = src\n")
    clauses = ("infer.identity", "back.mask-reuse")
    result = run(
        pt, f"--dropout-impl={value}", *extra, "--dropout-no-baseline", "--dropout-profile=core", "-k", " or ".join(clauses)
    )
    assert result.ret == 0, result.stdout.str() + result.stderr.str()
    result.assert_outcomes(passed=n_cases("core", *clauses))
    lines = impl_lines(result)
    assert len(lines) == 1 and re.fullmatch(how, lines[0]), lines
    name = "reference" if form in ("registered", "all") else value
    assert f"{name}: {n_cases('core', *clauses)} passed" in result.outlines


def test_module_value_needs_its_pythonpath(pt: pytest.Pytester) -> None:
    """Without pythonpath=src the same module value is a usage error (so the test above proves pythonpath is honoured)."""
    write(pt, "src/mylayers.py", CORRECT)
    result = run(pt, "--dropout-impl=mylayers:DropoutLayer")
    assert result.ret == 4
    assert one_error_line(result).startswith("ERROR: --dropout-impl=mylayers:DropoutLayer: could not import 'mylayers'")


# --------------------------------------------------------------------------- 4. usage errors
USAGE_ERRORS = {
    # id: (args, the ERROR line's start, a fragment it must contain, safe in-process: imports nothing)
    "empty": (["--dropout-impl="], "ERROR: --dropout-impl=: ", "empty value", True),
    "unknown-name": (["--dropout-impl=nosuch"], "ERROR: --dropout-impl=nosuch: ", "(known: reference)", True),
    "missing-module": (["--dropout-impl=nosuchmod:X"], "ERROR: --dropout-impl=nosuchmod:X: ", "No module named 'nosuchmod'", False),
    "missing-file": (
        ["--dropout-impl=sub/missing.py:X"],
        "ERROR: --dropout-impl=sub/missing.py:X: ",
        "no such file 'sub/missing.py'",
        True,
    ),
    "missing-attr": (
        ["--dropout-impl=sub/impl.py:Nope"],
        "ERROR: --dropout-impl=sub/impl.py:Nope: ",
        "has no attribute 'Nope'",
        False,
    ),
    "not-callable": (
        ["--dropout-impl=sub/impl.py:CONST"],
        "ERROR: --dropout-impl=sub/impl.py:CONST: ",
        "not a class or a factory",
        False,
    ),
    "syntax-error": (
        ["--dropout-impl=sub/bad.py:X"],
        "ERROR: --dropout-impl=sub/bad.py:X: ",
        "syntax error in sub/bad.py line 3",
        True,
    ),
    "bad-form": (["--dropout-impl=mod.:X"], "ERROR: --dropout-impl=mod.:X: ", "neither a dotted module path nor a .py file", True),
    # checked before the run, not a traceback after it: a report path that is a folder, or under a file
    "report-is-folder": (
        ["--dropout-impl=reference", "--dropout-report=sub"], "ERROR: --dropout-report=sub: ", "is a folder", True
    ),
    "report-under-file": (
        ["--dropout-impl=reference", "--dropout-report-md=sub/impl.py/r.md"],
        "ERROR: --dropout-report-md=sub/impl.py/r.md: ",
        "cannot create sub/impl.py",
        True,
    ),
    "seed-not-int": (
        ["--dropout-impl=reference", "--dropout-seed=abc"],
        "ERROR: --dropout-seed=abc: ",
        "integer from 0 to 4294967295",
        False,
    ),
    "seed-negative": (["--dropout-impl=reference", "--dropout-seed=-1"], "ERROR: --dropout-seed=-1: ", "integer from 0", False),
    "seed-too-big": (
        ["--dropout-impl=reference", f"--dropout-seed={2**32}"],
        f"ERROR: --dropout-seed={2**32}: ",
        "4294967295",
        False,
    ),
    "bad-profile": (
        ["--dropout-impl=reference", "--dropout-profile=fast"],
        "ERROR: --dropout-profile=fast: ",
        "core, spec, strict",
        True,
    ),
}


@pytest.mark.parametrize("case", list(USAGE_ERRORS))
def test_usage_errors(pt: pytest.Pytester, case: str) -> None:
    args, start, fragment, in_process = USAGE_ERRORS[case]
    write(pt, "sub/impl.py", CORRECT)
    write(pt, "sub/bad.py", "X = 1\n\ndef f(:\n    pass\n")
    if in_process:  # nothing gets imported, so sys.modules and sys.path stay clean
        result = pt.runpytest_inprocess(*PLUGIN, *args)
    else:
        result = run(pt, *args)
    assert result.ret == 4, result.stdout.str() + result.stderr.str()
    line = one_error_line(result)
    assert line.startswith(start) and fragment in line, line
    assert "Traceback" not in result.stderr.str() and "collected" not in result.stdout.str()


# ----------------------------------------------------------------------------------- 5. seeds
ONE_FAILURE = f"{BUGGY_FAILS}-float64"


def test_same_seed_same_failure(pt: pytest.Pytester) -> None:
    write(pt, "sub/buggy.py", BUGGY)
    args = ("--dropout-impl=sub/buggy.py:DropoutLayer", "--dropout-no-baseline", "-k", ONE_FAILURE)
    first, second, other = (
        run(pt, "--dropout-seed=123", *args),
        run(pt, "--dropout-seed=123", *args),
        run(pt, "--dropout-seed=124", *args),
    )
    for result in (first, second, other):
        assert result.ret == 1, result.stdout.str()
        result.assert_outcomes(failed=1, deselected=n_cases("spec") - 1)
    assert header(first)["seed"] == header(second)["seed"] == "123"
    first.stdout.fnmatch_lines(["=* dropout-conformance: profile spec, seed 123 =*"])
    key = f"sub/buggy.py:DropoutLayer-{ONE_FAILURE}"
    message = failures(first)[key]
    assert "got: backward's mask differs" in message and "(master seed 123, check seed " in message
    assert failures(second) == failures(first)
    got = [line for line in message.splitlines() if line.startswith("got: ")]
    assert len(got) == 1 and got[0] not in failures(other)[key]  # the counts and positions depend on the seed


def test_default_seed_is_printed_and_the_rerun_command_reproduces(pt: pytest.Pytester) -> None:
    write(pt, "sub/buggy.py", BUGGY)
    first = run(pt, "--dropout-impl=sub/buggy.py:DropoutLayer", "--dropout-no-baseline", "-k", ONE_FAILURE)
    assert first.ret == 1, first.stdout.str()
    seed = int(header(first)["seed"])
    assert 0 <= seed < 2**32
    key = f"sub/buggy.py:DropoutLayer-{ONE_FAILURE}"
    message = failures(first)[key]
    masters = [MASTER_SEED.match(line) for line in message.splitlines()]
    assert [int(m.group(1)) for m in masters if m] == [seed]
    commands = [line.strip() for line in message.splitlines() if line.strip().startswith("pytest --dropout-impl=")]
    assert commands == [f"pytest --dropout-impl=sub/buggy.py:DropoutLayer --dropout-seed={seed} --dropout-profile=spec -k {key}"]
    again = run(pt, *shlex.split(commands[0])[1:])  # the baseline is back: the command does not drop it
    assert again.ret == 1, again.stdout.str()
    again.assert_outcomes(failed=1, deselected=2 * n_cases("spec") - 1)
    assert int(header(again)["seed"]) == seed
    assert failures(again) == {key: message}


# -------------------------------------------------------------------------------- 6. profiles
@pytest.mark.parametrize(("profile", "expected"), [("core", PUBLISHED), ("spec", MUST)])
def test_profiles_select_clauses(pt: pytest.Pytester, profile: str, expected: set[str]) -> None:
    result = run(pt, "--dropout-impl=reference", f"--dropout-profile={profile}", "--collect-only", "-q")
    assert result.ret == 0, result.stdout.str()
    ids = collected_ids(result)
    assert len(ids) == len(set(ids)) == n_cases(profile)
    assert all(i.startswith("reference-") for i in ids)
    assert {clause_of(i.removeprefix("reference-")) for i in ids} == expected
    examples = {"reference-train.values-p0.2-float32", "reference-infer.identity-p0.5-float32", "reference-init.invalid-p-nan"}
    assert examples <= set(ids)


# -------------------------------------------------------------------------------- 7. baseline
def test_baseline_runs_beside_a_file_implementation(pt: pytest.Pytester) -> None:
    write(pt, "sub/impl.py", CORRECT)
    with_baseline = run(pt, "--dropout-impl=sub/impl.py:DropoutLayer", "--dropout-profile=core", "--collect-only")
    without = run(
        pt, "--dropout-impl=sub/impl.py:DropoutLayer", "--dropout-profile=core", "--dropout-no-baseline", "--collect-only"
    )
    for result in (with_baseline, without):
        assert result.ret == 0, result.stdout.str()
    keys = [k for k, _ in suite_cases("core")]
    ids = [m.group(1) for m in (re.search(r"<Function test_clause\[(.+)\]>", line) for line in with_baseline.outlines) if m]
    assert sorted(ids) == sorted([f"reference-{k}" for k in keys] + [f"sub/impl.py:DropoutLayer-{k}" for k in keys])
    lines = impl_lines(with_baseline)
    assert len(lines) == 2 and lines[0].startswith("reference [baseline]: module dropout_reference (")
    assert "reference" not in without.stdout.str()
    assert [line.split(":")[0] for line in impl_lines(without)] == ["sub/impl.py"]


def test_buggy_implementation_fails_and_baseline_passes(pt: pytest.Pytester) -> None:
    write(pt, "sub/buggy.py", BUGGY)
    result = run(pt, "--dropout-impl=sub/buggy.py:DropoutLayer", "--dropout-profile=core", "-k", f"{BUGGY_FAILS} or infer.identity")
    assert result.ret == 1, result.stdout.str()
    bad, ident = len(keys_with("core", BUGGY_FAILS)), n_cases("core", "infer.identity")
    assert bad == 2
    result.assert_outcomes(failed=bad, passed=2 * ident + bad, deselected=2 * (n_cases("core") - bad - ident))
    assert summary_row(result, "back.mask-reuse") == [f"pass {bad}", f"{bad} FAIL"]
    assert summary_row(result, "infer.identity") == [f"pass {ident}", f"pass {ident}"]
    assert summary_row(result, "train.values") == ["-", "-"]
    assert f"sub/buggy.py:DropoutLayer: {bad} failed, {ident} passed" in result.outlines
    assert f"reference: {bad + ident} passed" in result.outlines
    assert "BASELINE FAILED" not in result.stdout.str()
    assert set(failures(result)) == {f"sub/buggy.py:DropoutLayer-{k}" for k in keys_with("core", BUGGY_FAILS)}


def test_failing_baseline_is_called_out(pt: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """A broken bundled reference (here: a buggy dropout_reference shadowing it on PYTHONPATH) is flagged."""
    write(pt, "shadow/dropout_reference.py", BUGGY)
    write(pt, "sub/impl.py", CORRECT)
    monkeypatch.setenv("PYTHONPATH", str(pt.path / "shadow"))
    result = run(pt, "--dropout-impl=sub/impl.py:DropoutLayer", "--dropout-profile=core", "-k", BUGGY_FAILS)
    assert result.ret == 1, result.stdout.str()
    bad = len(keys_with("core", BUGGY_FAILS))
    result.assert_outcomes(failed=bad, passed=bad, deselected=2 * (n_cases("core") - bad))
    assert (
        impl_lines(result)[0].startswith("reference [baseline]: module dropout_reference (") and "/shadow/" in impl_lines(result)[0]
    )
    assert summary_row(result, "back.mask-reuse") == [f"{bad} FAIL", f"pass {bad}"]
    result.stdout.fnmatch_lines(["THE BASELINE FAILED: the bundled reference did not pass*"])


# --------------------------------------------------------------------------------- 8. blocked
def test_blocked_checks_are_skipped_and_counted(pt: pytest.Pytester) -> None:
    write(pt, "sub/listy.py", LISTY)
    clauses = ("train.output-shape", "back.mask-reuse", "example.statement", "infer.identity")
    result = run(pt, "--dropout-impl=sub/listy.py:DropoutLayer", "--dropout-no-baseline", "-rs", "-k", " or ".join(clauses))
    assert result.ret == 1, result.stdout.str()
    shape, mask, example, ident = (n_cases("spec", c) for c in clauses)
    result.assert_outcomes(failed=shape, skipped=mask + example, passed=ident)
    assert set(failures(result)) == {f"sub/listy.py:DropoutLayer-{k}" for k, c in suite_cases("spec") if c == "train.output-shape"}
    assert all("returned list, expected a numpy.ndarray" in m for m in failures(result).values())
    skipped = [line for line in result.outlines if line.startswith("SKIPPED [")]
    assert skipped and all(": blocked by train.output-shape: forward(" in line for line in skipped)
    assert sum(int(re.match(r"SKIPPED \[(\d+)\]", line).group(1)) for line in skipped) == mask + example
    assert summary_row(result, "train.output-shape") == [f"{shape} FAIL"]
    assert summary_row(result, "back.mask-reuse") == [f"{mask} blocked"]
    assert summary_row(result, "example.statement") == [f"{example} blocked"]
    assert summary_row(result, "infer.identity") == [f"pass {ident}"]
    assert f"sub/listy.py:DropoutLayer: {mask + example} blocked, {shape} failed, {ident} passed" in result.outlines


# ----------------------------------------------------------------------------------- 9. xdist
def test_xdist_workers_share_the_controllers_seed(pt: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    write(pt, "sub/buggy.py", BUGGY)
    result = run(
        pt,
        "-p",
        "xdist",
        "-n",
        "2",
        "--dropout-impl=sub/buggy.py:DropoutLayer",
        "--dropout-profile=core",
        "-k",
        f"{BUGGY_FAILS} or infer.identity",
    )
    text = result.stdout.str() + result.stderr.str()
    assert "Different tests were collected" not in text
    assert result.ret == 1, text
    bad, ident = len(keys_with("core", BUGGY_FAILS)), n_cases("core", "infer.identity")
    result.assert_outcomes(failed=bad, passed=2 * ident + bad)
    result.stdout.fnmatch_lines(["created: 2/2 workers"])
    seed = int(header(result)["seed"])
    found = failures(result)
    assert set(found) == {f"sub/buggy.py:DropoutLayer-{k}" for k in keys_with("core", BUGGY_FAILS)}
    for test_id, message in found.items():
        m = next(filter(None, map(MASTER_SEED.match, message.splitlines())))
        key = test_id.removeprefix("sub/buggy.py:DropoutLayer-")
        assert (int(m.group(1)), int(m.group(2))) == (seed, case_seed(seed, CASES["core"][key])), test_id
        assert f"--dropout-seed={seed} " in message
    assert summary_row(result, "back.mask-reuse") == [f"pass {bad}", f"{bad} FAIL"]
    result.stdout.fnmatch_lines([f"=* dropout-conformance: profile core, seed {seed} =*"])


# ------------------------------------------------------------------------------- 10. embedding
def test_own_test_file_uses_dropout_impl_fixture(pt: pytest.Pytester) -> None:
    write(pt, "sub/impl.py", CORRECT)
    write(
        pt,
        "test_mine.py",
        """
        import numpy as np

        def test_my_layer(dropout_impl):
            layer = dropout_impl(0.5)
            out = layer.forward(np.ones(1000))
            assert set(np.unique(out)) <= {0.0, 2.0}
            assert 0 < np.count_nonzero(out) < 1000
        """,
    )
    result = run(pt, "test_mine.py", "--dropout-impl=sub/impl.py:DropoutLayer", "-v")
    assert result.ret == 0, result.stdout.str()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*collected 1 item"])
    assert any(line.startswith("test_mine.py::test_my_layer[sub/impl.py:DropoutLayer] PASSED") for line in result.outlines)
    assert "test_clause" not in result.stdout.str()


def test_pyargs_suite(pt: pytest.Pytester) -> None:
    result = run(
        pt, "--pyargs", "dropout_conformance.suite", "--dropout-impl=reference", "--dropout-profile=core", "-k", "infer.identity"
    )
    assert result.ret == 0, result.stdout.str()
    ident = n_cases("core", "infer.identity")
    result.assert_outcomes(passed=ident, deselected=n_cases("core") - ident)
    assert header(result)["profile"] == "core"


# ---------------------------------------------------------------------------- 11. entry points
@pytest.fixture
def third_party(pt: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A distribution 'thirdparty-layers 1.2.3' on PYTHONPATH registering a good and a broken implementation."""
    site = pt.path / "site"
    write(pt, "site/goodpkg/__init__.py", CORRECT)
    write(pt, "site/brokenpkg/__init__.py", 'raise ImportError("brokenpkg needs libfoo")\n')
    write(pt, "site/thirdparty_layers-1.2.3.dist-info/METADATA", "Metadata-Version: 2.1\nName: thirdparty-layers\nVersion: 1.2.3\n")
    write(
        pt,
        "site/thirdparty_layers-1.2.3.dist-info/entry_points.txt",
        "[dropout_conformance.implementations]\ngood = goodpkg:DropoutLayer\nbroken = brokenpkg:Missing\n",
    )
    monkeypatch.setenv("PYTHONPATH", str(site))
    return site


def test_third_party_entry_point(pt: pytest.Pytester, third_party: Path) -> None:
    """The unselected broken entry point is never loaded, so it does not disturb this run."""
    result = run(pt, "--dropout-impl=good", "--dropout-profile=core", "-k", "infer.identity or back.mask-reuse")
    assert result.ret == 0, result.stdout.str() + result.stderr.str()
    result.assert_outcomes(passed=2 * n_cases("core", "infer.identity", "back.mask-reuse"))
    assert impl_lines(result) == [
        f"reference [baseline]: module dropout_reference ({REFERENCE_FILE}), distribution dropout-conformance {__version__}",
        "good: entry point 'good' -> goodpkg:DropoutLayer (thirdparty-layers 1.2.3)",
    ]
    assert "brokenpkg" not in result.stdout.str()


def test_all_with_a_broken_entry_point(pt: pytest.Pytester, third_party: Path) -> None:
    result = run(pt, "--dropout-impl=all", "--dropout-profile=core", "-k", "infer.identity")
    assert result.ret == 1, result.stdout.str() + result.stderr.str()
    ident = n_cases("core", "infer.identity")
    result.assert_outcomes(failed=ident, passed=2 * ident)
    problem = "loading brokenpkg:Missing failed: ImportError: brokenpkg needs libfoo"
    assert sorted(impl_lines(result)) == sorted(
        [
            f"reference [baseline]: entry point 'reference' -> dropout_reference:DropoutLayer (dropout-conformance {__version__})",
            "good: entry point 'good' -> goodpkg:DropoutLayer (thirdparty-layers 1.2.3)",
            f"broken: entry point 'broken' -> brokenpkg:Missing (thirdparty-layers 1.2.3) BROKEN: {problem}",
        ]
    )
    found = failures(result)
    assert set(found) == {f"broken-{k}" for k, c in suite_cases("core") if c == "infer.identity"}
    assert all(m.strip() == f"[infer.identity] broken could not be loaded: {problem}" for m in found.values())
    assert f"good: {ident} passed" in result.outlines and f"reference: {ident} passed" in result.outlines
    assert f"broken: {ident} failed" in result.outlines


def test_broken_entry_point_selected_alone_is_a_usage_error(pt: pytest.Pytester, third_party: Path) -> None:
    result = run(pt, "--dropout-impl=broken")
    assert result.ret == 4
    assert one_error_line(result) == (
        "ERROR: --dropout-impl=broken: registered implementation 'broken': "
        "loading brokenpkg:Missing failed: ImportError: brokenpkg needs libfoo"
    )


def test_name_registered_by_two_distributions_is_rejected(pt: pytest.Pytester, third_party: Path) -> None:
    write(pt, "site/otherlayers-0.5.dist-info/METADATA", "Metadata-Version: 2.1\nName: otherlayers\nVersion: 0.5\n")
    write(
        pt, "site/otherlayers-0.5.dist-info/entry_points.txt", "[dropout_conformance.implementations]\ngood = goodpkg:make_layer\n"
    )
    result = run(pt, "--dropout-impl=good")
    assert result.ret == 4
    line = one_error_line(result)
    assert line.startswith("ERROR: --dropout-impl=good: ") and "registered by both" in line
    assert "thirdparty-layers 1.2.3" in line and "otherlayers 0.5" in line
