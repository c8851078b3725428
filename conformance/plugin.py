"""The pytest plugin: ``pytest --dropout-impl=mypkg:DropoutLayer``.

Dormant unless ``--dropout-impl`` is given: at load time it imports only the standard library,
pytest, the clause registry and the seed parser, registers options and fixtures and nothing else.
A conformance run's hooks live in :mod:`.session`, imported (with numpy, scipy, hypothesis and
the checks behind it) only when ``--dropout-impl`` asks for one.
"""

from __future__ import annotations

import pytest

from .conventions import ConventionError, with_param_means
from .resolve import Selected
from .selection import SelectionError, parse_seed
from .spec import CLAUSES, PROFILES


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("dropout-conformance", "dropout-conformance: check a DropoutLayer against the spec")
    group.addoption(
        "--dropout-impl",
        action="append",
        default=[],
        metavar="IMPL",
        help="implementation to check (repeatable): module.path:Attr, path/to/file.py:Attr, a name "
        "registered in the 'dropout_conformance.implementations' entry point group, 'reference', "
        "or 'all'. Attr is a class or a factory taking p. CONVENTION:TARGET adapts code written another way "
        "(function-pair:layers.py, keep-prob:..., flag-name=NAME:..., torch-module:...; docs/authors.md). "
        "Without this option the plugin does nothing.",
    )
    group.addoption(
        "--dropout-param-means",
        default=None,
        choices=("keep", "drop"),
        help="for function-pair values: whether dropout_param['p'] is the keep or the drop probability "
        "(required for function-pair, never guessed; the same as writing function-pair=keep:...).",
    )
    group.addoption(
        "--dropout-profile",
        default="spec",
        metavar="PROFILE",
        help="which clauses to check: core (the six published checks), spec (every MUST clause; "
        "default) or strict (MUST and SHOULD).",
    )
    group.addoption(
        "--dropout-clause",
        action="append",
        default=[],
        metavar="ID",
        help="check only this clause (repeatable), whatever its level and the profile. The run then exits 0 "
        "exactly when every named clause passes for every selected implementation: a clause blocked by a "
        "failed prerequisite fails the run.",
    )
    group.addoption(
        "--dropout-seed",
        default=None,
        metavar="N",
        help="master seed, an integer in [0, 2**32); random by default and always printed. Each "
        "check derives its own seed from it and reseeds numpy's global RNG.",
    )
    group.addoption(
        "--dropout-xfails",
        action="append",
        default=[],
        metavar="FILE",
        help="TOML manifest of expected failures (repeatable). A listed check that passes fails the run "
        "('remove this entry'); an entry matching no check is an error. See docs/manifests.md.",
    )
    group.addoption(
        "--dropout-report",
        default=None,
        metavar="PATH.json",
        help="write a JSON report (schema: dropout_conformance/schemas/report.schema.json) of every case.",
    )
    group.addoption(
        "--dropout-report-md",
        default=None,
        metavar="PATH.md",
        help="write the clause-by-implementation table as Markdown (for a README or a CI job summary).",
    )
    group.addoption(
        "--dropout-isolate",
        action="store_true",
        default=False,
        help="run each file implementation (path/to/file.py:Attr) in a sandboxed child process, as the grader "
        "does; the checks and verdicts stay in this process.",
    )
    group.addoption(
        "--dropout-no-baseline",
        action="store_true",
        default=False,
        help="do not run the bundled reference implementation beside the selected ones.",
    )


def _seed(config: pytest.Config) -> int:
    workerinput = getattr(config, "workerinput", None)
    if workerinput and "dropout_seed" in workerinput:
        return int(workerinput["dropout_seed"])
    text = config.getoption("dropout_seed")
    try:
        return parse_seed(text)
    except SelectionError as exc:
        raise pytest.UsageError(f"--dropout-seed={text}: {exc}") from None


def _clauses(config: pytest.Config) -> list[str]:
    import difflib

    known = [c.id for c in CLAUSES]
    named = config.getoption("dropout_clause")
    for cid in named:
        if cid not in known:
            close = difflib.get_close_matches(cid, known, n=1)
            hint = f"did you mean {close[0]}? " if close else ""
            raise pytest.UsageError(f"--dropout-clause={cid}: no such clause; {hint}the clause IDs are in docs/spec.md")
    return list(dict.fromkeys(named))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "dropout_clause(id): the spec clause a conformance check enforces")
    profile = config.getoption("dropout_profile")
    if profile not in PROFILES:
        raise pytest.UsageError(f"--dropout-profile={profile}: choose one of {', '.join(PROFILES)}")
    seed = _seed(config)  # validated even when dormant, so a typo never passes silently
    clauses = _clauses(config)
    values = config.getoption("dropout_impl")
    try:
        values = with_param_means(values, config.getoption("dropout_param_means"))
    except ConventionError as exc:
        raise pytest.UsageError(str(exc)) from None
    if values:
        from .session import start

        start(config, values, seed, profile, clauses)


@pytest.fixture
def dropout_impl() -> Selected:
    """The implementation selected with --dropout-impl (parametrized over each one selected).

    Call it with p to build a layer: ``layer = dropout_impl(0.5)``. Without --dropout-impl the
    requesting test is skipped.
    """
    pytest.skip("needs --dropout-impl=IMPL")


@pytest.fixture
def dropout_case() -> None:
    """Parametrized by the plugin during a conformance run; outside one it is a usage error."""
    pytest.fail("the conformance suite needs --dropout-impl=IMPL (e.g. --dropout-impl=reference)", pytrace=False)
