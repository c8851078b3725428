"""The pytest plugin: ``pytest --dropout-impl=mypkg:DropoutLayer``.

Dormant unless ``--dropout-impl`` is given: at load time it imports only the standard library,
pytest and the clause registry, registers options and nothing else. numpy, scipy, hypothesis and
the checks are imported when a conformance run actually starts collecting.
"""

from __future__ import annotations

import secrets
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from . import __version__
from .resolve import BASELINE_VALUE, Implementation, ImplementationError, resolve
from .spec import PROFILES, SPEC_VERSION, clause

SUITE_FILE = Path(__file__).parent / "suite" / "test_conformance.py"
SEED_LIMIT = 2**32
STATUSES = ("passed", "failed", "blocked", "skipped")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("dropout-conformance", "dropout-conformance: check a DropoutLayer against the spec")
    group.addoption(
        "--dropout-impl",
        action="append",
        default=[],
        metavar="IMPL",
        help="implementation to check (repeatable): module.path:Attr, path/to/file.py:Attr, a name "
        "registered in the 'dropout_conformance.implementations' entry point group, 'reference', "
        "or 'all'. Attr is a class or a factory taking p. Without this option the plugin does nothing.",
    )
    group.addoption(
        "--dropout-profile",
        default="spec",
        metavar="PROFILE",
        help="which clauses to check: core (the six published checks), spec (every MUST clause; "
        "default) or strict (MUST and SHOULD).",
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


@dataclass
class SuiteCase:
    """One (implementation, check case) pair, as the suite's test function receives it."""

    impl: Implementation
    case: Any  # dropout_conformance.checks.Case
    run: DropoutRun

    @property
    def test_id(self) -> str:
        return f"{self.impl.name}-{self.case.key}"

    @property
    def rerun(self) -> str:
        """The command that reruns exactly this case."""
        args = ["pytest", f"--dropout-impl={self.impl.value}", f"--dropout-seed={self.run.seed}"]
        args += [f"--dropout-profile={self.run.profile}", *(f"--dropout-xfails={f}" for f in self.run.xfail_files)]
        return shlex.join([*args, "-k", self.test_id])

    @property
    def xfail_entry(self) -> Any:
        from .manifest import find

        return None if self.impl.baseline else find(self.run.xfails, self.impl.name, self.case)

    def verify(self, record: Callable[[str, object], None]) -> None:
        """Run the case; a failure fails the test, a blocked case is skipped as 'blocked'.

        ``record`` (pytest's ``record_property``) receives the outcome as ``dropout_outcome``, so
        the summary and reports never have to read it back from a message.
        """
        __tracebackhide__ = True
        from .checks import case_seed, run_case

        if self.impl.factory is None:
            pytest.fail(f"[{self.case.clause}] {self.impl.name} could not be loaded: {self.impl.error}", pytrace=False)
        seed = case_seed(self.run.seed, self.case)
        outcome = run_case(self.case, self.impl.factory, seed, impl_value=self.impl.value, rerun_command=self.rerun)
        entry = self.xfail_entry
        if outcome.status == "blocked":
            record("dropout_outcome", "blocked")
            pytest.skip(outcome.message)
        if entry is not None:
            if outcome.status == "failed":
                record("dropout_outcome", "expected failure")
                pytest.xfail(f"expected failure, {entry.source}: {entry.describe()}")
            if self.case.statistical:
                record("dropout_outcome", "expected failure")
                pytest.xfail(
                    f"expected failure, {entry.source}: {entry.describe()} [statistical check: not detected with "
                    "this seed; the entry stays valid across seeds]"
                )
            record("dropout_outcome", "unexpected pass")
            pytest.fail(
                f"[{self.case.clause}] unexpected pass: {self.test_id} is listed as an expected failure in "
                f"{entry.source} ({entry.describe()}), but it passed: the implementation conforms here; "
                "remove this entry",
                pytrace=False,
            )
        record("dropout_outcome", outcome.status)
        if outcome.status == "failed":
            pytest.fail(f"{outcome.message}\n(master seed {self.run.seed}, check seed {seed})", pytrace=False)


@dataclass
class CaseResult:
    """What happened to one (implementation, case) test, rebuilt from its pytest report."""

    test_id: str
    impl: str
    baseline: bool
    clause: str
    level: str
    case: str
    status: str  # passed | failed | expected failure | unexpected pass | blocked | skipped
    message: str
    reproducer: str

    @classmethod
    def from_report(cls, report: pytest.TestReport, props: dict[str, Any]) -> CaseResult:
        message = ""
        if hasattr(report, "wasxfail"):
            status, message = "expected failure", str(report.wasxfail)
        elif report.skipped:
            longrepr = report.longrepr
            message = str(longrepr[2]) if isinstance(longrepr, tuple) else str(longrepr)
            message = message.removeprefix("Skipped: ")
            status = "blocked" if props.get("dropout_outcome") == "blocked" else "skipped"
        elif report.failed:
            message = str(report.longrepr)
            status = "unexpected pass" if props.get("dropout_outcome") == "unexpected pass" else "failed"
        else:
            status = "passed"
        return cls(
            test_id=f"{props['dropout_impl']}-{props['dropout_case']}",
            impl=str(props["dropout_impl"]),
            baseline=bool(props["dropout_baseline"]),
            clause=str(props["dropout_clause"]),
            level=str(props["dropout_level"]),
            case=str(props["dropout_case"]),
            status=status,
            message=message,
            reproducer=str(props["dropout_rerun"]),
        )


@dataclass(eq=False)  # registered as a pytest plugin, so it must stay hashable (pytest < 8 needs it)
class DropoutRun:
    """The state of one conformance run, kept in the pytest config's stash."""

    implementations: list[Implementation]
    seed: int
    profile: str
    xfails: list[Any] = field(default_factory=list)  # manifest.Entry, for non-baseline implementations
    xfail_files: list[str] = field(default_factory=list)
    results: list[CaseResult] = field(default_factory=list)
    report_paths: tuple[str | None, str | None] = (None, None)

    def suite_cases(self) -> list[SuiteCase]:
        from .checks import cases

        chosen = cases(self.profile)
        return [SuiteCase(impl, case, self) for impl in self.implementations for case in chosen]

    # ---- hooks that exist only while a conformance run is active
    def pytest_report_header(self, config: pytest.Config) -> list[str]:
        lines = [
            f"dropout-conformance {__version__}, spec {SPEC_VERSION}, profile {self.profile}, "
            f"seed: --dropout-seed={self.seed}"
        ]
        for impl in self.implementations:
            role = " [baseline]" if impl.baseline else ""
            state = f" BROKEN: {impl.error}" if impl.error else ""
            lines.append(f"  {impl.name}{role}: {impl.how}{state}")
        return lines

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        if "dropout_case" in metafunc.fixturenames:
            items = self.suite_cases()
            metafunc.parametrize(
                "dropout_case",
                [pytest.param(sc, id=sc.test_id, marks=pytest.mark.dropout_clause(sc.case.clause)) for sc in items],
            )
        if "dropout_impl" in metafunc.fixturenames:
            chosen = [i for i in self.implementations if not i.baseline] or self.implementations
            metafunc.parametrize("dropout_impl", chosen, ids=[i.name for i in chosen])

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput["dropout_seed"] = self.seed  # every xdist worker uses the controller's seed

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            callspec = getattr(item, "callspec", None)
            sc = callspec.params.get("dropout_case") if callspec is not None else None
            if isinstance(sc, SuiteCase):
                c = clause(sc.case.clause)
                item.user_properties += [
                    ("dropout_impl", sc.impl.name),
                    ("dropout_baseline", sc.impl.baseline),
                    ("dropout_clause", c.id),
                    ("dropout_level", c.level),
                    ("dropout_case", sc.case.key),
                    ("dropout_seed", self.seed),
                    ("dropout_rerun", sc.rerun),
                ]

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        props = dict(report.user_properties)
        if "dropout_clause" not in props:
            return
        if report.when == "call" or (report.when == "setup" and not report.passed):
            self.results.append(CaseResult.from_report(report, props))

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        config = session.config
        if hasattr(config, "workerinput"):
            return  # under xdist the controller, which saw every worker's reports, writes the reports
        from .report import write_reports

        write_reports(self, config)

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        for impl in self.implementations:
            close = getattr(impl.factory, "close", None)
            if close is not None:
                close()

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        from .summary import render

        render(terminalreporter, self)


RUN_KEY = pytest.StashKey[DropoutRun]()


def _parse_seed(config: pytest.Config) -> int:
    workerinput = getattr(config, "workerinput", None)
    if workerinput and "dropout_seed" in workerinput:
        return int(workerinput["dropout_seed"])
    text = config.getoption("dropout_seed")
    if text is None:
        return secrets.randbelow(SEED_LIMIT)
    try:
        seed = int(str(text).strip())
    except ValueError:
        seed = -1
    if not 0 <= seed < SEED_LIMIT:
        raise pytest.UsageError(f"--dropout-seed={text}: give an integer from 0 to {SEED_LIMIT - 1}")
    return seed


def _select(values: list[str], baseline: bool) -> list[Implementation]:
    chosen: dict[str, Implementation] = {}
    for value in values:
        try:
            found = resolve(value)
        except ImplementationError as exc:
            raise pytest.UsageError(f"--dropout-impl={value}: {exc}") from None
        for impl in found:
            chosen.setdefault(impl.name, impl)
    if baseline and "reference" not in chosen:
        try:
            (ref,) = resolve(BASELINE_VALUE)
        except ImplementationError as exc:
            raise pytest.UsageError(
                f"the bundled reference baseline could not load: {exc}; reinstall dropout-conformance"
            ) from None
        ref.name, ref.baseline = "reference", True
        chosen = {"reference": ref, **chosen}
    elif "reference" in chosen:
        chosen["reference"].baseline = True
    return list(chosen.values())


def _isolate(impls: list[Implementation]) -> None:
    """Swap each selected file implementation's factory for a sandboxed one (the baseline stays in-process)."""
    from .sandbox.parent import Limits, SandboxedFactory

    for impl in impls:
        if impl.baseline or impl.factory is None:
            continue
        target, _, attr = impl.value.rpartition(":")
        path = Path(target)
        if not (target.endswith(".py") and path.is_file()):
            raise pytest.UsageError(
                f"--dropout-isolate: {impl.value!r} is not a file implementation; isolation runs path/to/file.py:Attr values"
            )
        impl.factory = SandboxedFactory(path.resolve(), path.name, attr, Limits(call_timeout=60.0, submission_timeout=24 * 3600.0))
        impl.how += " (sandboxed in a child process)"


def _load_manifests(files: list[str], impls: list[Implementation]) -> list[Any]:
    """User manifests apply to the selected (non-baseline) implementations; registered ones to their own."""
    from .checks import cases
    from .manifest import ManifestError, check_coverage, load_file, registered_manifest

    names = [i.name for i in impls if not i.baseline]
    try:
        entries = [entry for path in files for entry in load_file(path)]
        for impl in impls:
            if not impl.baseline and impl.registered:
                entries += registered_manifest(impl.name)
        check_coverage(entries, names, cases("strict"))
    except ManifestError as exc:
        raise pytest.UsageError(f"--dropout-xfails: {exc}") from None
    return entries


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "dropout_clause(id): the spec clause a conformance check enforces")
    profile = config.getoption("dropout_profile")
    if profile not in PROFILES:
        raise pytest.UsageError(f"--dropout-profile={profile}: choose one of {', '.join(PROFILES)}")
    seed = _parse_seed(config)  # validated even when dormant, so a typo never passes silently
    values = config.getoption("dropout_impl")
    if not values:
        return
    run = DropoutRun(_select(values, not config.getoption("dropout_no_baseline")), seed, profile)
    if config.getoption("dropout_isolate"):
        _isolate(run.implementations)
    run.xfail_files = config.getoption("dropout_xfails")
    run.xfails = _load_manifests(run.xfail_files, run.implementations)
    run.report_paths = (config.getoption("dropout_report"), config.getoption("dropout_report_md"))
    config.stash[RUN_KEY] = run
    config.pluginmanager.register(run, "dropout-conformance-run")
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        config.args[:] = [str(SUITE_FILE)]  # no paths given: run just the conformance suite


@pytest.fixture
def dropout_impl() -> Implementation:
    """The implementation selected with --dropout-impl (parametrized over each one selected).

    Call it with p to build a layer: ``layer = dropout_impl(0.5)``. Without --dropout-impl the
    requesting test is skipped.
    """
    pytest.skip("needs --dropout-impl=IMPL")


@pytest.fixture
def dropout_case() -> None:
    """Parametrized by the plugin during a conformance run; outside one it is a usage error."""
    pytest.fail("the conformance suite needs --dropout-impl=IMPL (e.g. --dropout-impl=reference)", pytrace=False)
