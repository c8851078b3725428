"""The active half of the pytest plugin: the hooks of a conformance run, registered only when
``--dropout-impl`` is given (see :mod:`.plugin`, which imports this module lazily).

Each test is one (implementation, case) pair. A worker runs the case and judges it against the
manifests; the outcome travels to the controller as the ``dropout_outcome`` user property, where
every report is rebuilt into a :class:`~.results.CaseRecord` for the views.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from . import __version__, seeding
from .expectations import Entry, ManifestError, check_coverage, find, judge, load_file, registered_manifest
from .resolve import Selected
from .results import CaseRecord, ImplementationRecord, RunRecord, Status
from .selection import SelectionError, isolate, select
from .spec import SPEC_VERSION, clause, in_profile

SUITE_FILE = Path(__file__).parent / "suite" / "test_conformance.py"

CASE_DATA = pytest.StashKey[dict[str, Any]]()
"""Each test's data (implementation, clause, level, case, seed, rerun command, outcome), on its item.
It travels on the test report as ``report.dropout`` (xdist carries extra report attributes to the
controller), not as ``user_properties``: pytest's junitxml writes those into every ``<testcase>``,
which xunit2 (its default family) forbids, and ``record_property`` warns there."""


@dataclass
class SuiteCase:
    """One (implementation, check case) pair, as the suite's test function receives it."""

    impl: Selected
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

    def verify(self, record: Any) -> None:
        """Run and judge the case; a failure fails the test, a blocked case is skipped as 'blocked'.

        ``record(name, value)`` stores the status as ``dropout_outcome`` in the test's own data (see
        :data:`CASE_DATA`), so the summary and reports never have to read it back from a message.
        """
        __tracebackhide__ = True
        from .checks import case_seed, run_case

        if self.impl.driver is None:
            pytest.fail(f"[{self.case.clause}] {self.impl.name} could not be loaded: {self.impl.error}", pytrace=False)
        seed = case_seed(self.run.seed, self.case)
        entry = None if self.impl.baseline else find(self.run.xfails, self.impl.name, self.case)
        outcome = judge(run_case(self.case, self.impl.driver, seed), entry, self.case.statistical)
        record("dropout_outcome", outcome.status.value)
        status = outcome.status
        if status is Status.BLOCKED and outcome.failure is not None:
            pytest.skip(f"blocked by {outcome.blocked_by}: {outcome.failure.what_happened(implementation_words=True)}")
        if status is Status.EXPECTED_FAILURE:
            pytest.xfail(outcome.note)
        if status is Status.UNEXPECTED_PASS:
            pytest.fail(f"[{self.case.clause}] unexpected pass: {self.test_id} is {outcome.note}", pytrace=False)
        if status is Status.FAILED:
            message = outcome.render(self.impl.value, self.rerun)
            pytest.fail(f"{message}\n(master seed {self.run.seed}, check seed {seed})", pytrace=False)


def _junit_allows_case_properties(config: pytest.Config) -> bool:
    """--junitxml is on with a family whose <testcase> may hold <properties> (xunit1, legacy)."""
    return bool(getattr(config.option, "xmlpath", None)) and config.getini("junit_family") in ("xunit1", "legacy")


def _record(report: pytest.TestReport, props: dict[str, Any]) -> CaseRecord:
    """What happened to one test, rebuilt from its pytest report (on the controller under xdist)."""
    message = ""
    said = props.get("dropout_outcome")
    if hasattr(report, "wasxfail"):
        status, message = Status.EXPECTED_FAILURE, str(report.wasxfail)
    elif report.skipped:
        longrepr = report.longrepr
        message = str(longrepr[2]) if isinstance(longrepr, tuple) else str(longrepr)
        message = message.removeprefix("Skipped: ")
        status = Status.BLOCKED if said == Status.BLOCKED.value else Status.SKIPPED
    elif report.failed:
        message = str(report.longrepr)
        status = Status.UNEXPECTED_PASS if said == Status.UNEXPECTED_PASS.value else Status.FAILED
    else:
        status = Status.PASSED
    return CaseRecord(
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

    implementations: list[Selected]
    seed: int
    profile: str
    xfails: list[Entry] = field(default_factory=list)
    xfail_files: list[str] = field(default_factory=list)
    results: list[CaseRecord] = field(default_factory=list)
    report_paths: tuple[str | None, str | None] = (None, None)
    clauses: list[str] = field(default_factory=list)
    """``--dropout-clause``: only these clauses' cases, at any level; empty: the profile's."""

    def chosen_cases(self) -> list[Any]:
        from .checks import cases

        if self.clauses:
            return [c for c in cases("strict") if c.clause in self.clauses]
        return cases(self.profile)

    def suite_cases(self) -> list[SuiteCase]:
        chosen = self.chosen_cases()
        return [SuiteCase(impl, case, self) for impl in self.implementations for case in chosen]

    def clauses_not_passed(self) -> list[str]:
        """``clause (implementation): status`` for each named clause that did not pass, the baseline aside."""
        from .results import ClauseVerdict

        out = []
        for impl in (i for i in self.implementations if not i.baseline):
            for cid in self.clauses:
                ran = [r for r in self.results if r.impl == impl.name and r.clause == cid]
                total = sum(1 for c in self.chosen_cases() if c.clause == cid)
                verdict = ClauseVerdict.from_cases(cid, ran, total)
                if verdict.status is not Status.PASSED:
                    out.append(f"{cid} ({impl.name}): {verdict.status.value}")
        return out

    def suite_properties(self) -> dict[str, str]:
        """The run as --junitxml's <testsuite> properties: what reproduces it, and against which spec."""
        return {
            "dropout_kit_version": __version__,
            "dropout_spec_version": SPEC_VERSION,
            "dropout_profile": self.profile,
            "dropout_seed": str(self.seed),
            "dropout_implementations": " ".join(i.name for i in self.implementations),
        }

    def record(self) -> RunRecord:
        """The run as its views read it."""
        from .checks import cases

        should = [clause(c.clause) for c in cases("strict") if clause(c.clause).level == "SHOULD"]
        left_out = [] if self.clauses else [c for c in should if not in_profile(c, self.profile)]
        impls = [ImplementationRecord(i.name, i.value, i.how, i.baseline, i.error) for i in self.implementations]
        return RunRecord(self.profile, self.seed, impls, self.xfail_files, len(self.chosen_cases()), len(left_out), self.results,
                         tuple(self.clauses))

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
                item.stash[CASE_DATA] = {
                    "dropout_impl": sc.impl.name,
                    "dropout_baseline": sc.impl.baseline,
                    "dropout_clause": c.id,
                    "dropout_level": c.level,
                    "dropout_case": sc.case.key,
                    "dropout_seed": self.seed,
                    "dropout_rerun": sc.rerun,
                }

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        made = yield
        data = item.stash.get(CASE_DATA, None)
        if data is not None:
            report = made.get_result()
            report.dropout = dict(data)
            if _junit_allows_case_properties(item.config):  # xunit1 has a place for them in each testcase
                report.user_properties += list(data.items())

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        props = getattr(report, "dropout", None)
        if not isinstance(props, dict) or "dropout_clause" not in props:
            return
        if report.when == "call" or (report.when == "setup" and not report.passed):
            self.results.append(_record(report, props))

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        config = session.config
        if hasattr(config, "workerinput"):
            return  # under xdist the controller, which saw every worker's reports, writes the reports
        missed = self.clauses_not_passed() if self.clauses else []
        if missed and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED  # a blocked clause's tests are skips, not failures
            reporter = config.pluginmanager.get_plugin("terminalreporter")
            if reporter is not None:
                reporter.ensure_newline()
                reporter.write_line(f"dropout-conformance: --dropout-clause not passed: {'; '.join(missed)}")
        from .report import build_json, markdown

        json_path, md_path = self.report_paths
        record = self.record()
        for path, render in ((json_path, build_json), (md_path, markdown)):
            if path:
                target = Path(path)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(render(record))
                config.get_terminal_writer().line(f"dropout-conformance: wrote {target}")

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        for impl in self.implementations:
            if impl.driver is not None:
                impl.driver.close()

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        from .summary import render

        render(terminalreporter, self.record())


def _load_manifests(files: list[str], impls: list[Selected]) -> list[Entry]:
    """User manifests apply to the selected (non-baseline) implementations; registered ones to their own."""
    from .checks import cases

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


def start(config: pytest.Config, values: list[str], seed: int, profile: str, clauses: list[str] | None = None) -> DropoutRun:
    """Select, isolate and load the manifests of a conformance run, and register its hooks."""
    from .checks import cases

    unchecked = sorted(set(clauses or ()) - {c.clause for c in cases("strict")})
    if unchecked:
        raise pytest.UsageError(f"--dropout-clause: {', '.join(unchecked)} has no checks to run; name a clause the kit checks")
    try:
        run = DropoutRun(select(values, not config.getoption("dropout_no_baseline")), seed, profile, clauses=list(clauses or ()))
        if config.getoption("dropout_isolate"):
            isolate(run.implementations)
    except SelectionError as exc:
        raise pytest.UsageError(str(exc)) from None
    run.xfail_files = config.getoption("dropout_xfails")
    run.xfails = _load_manifests(run.xfail_files, run.implementations)
    try:
        seeding.registered()  # a broken third-party seeder is a setup error, not every case's failure
    except seeding.SeederError as exc:
        raise pytest.UsageError(str(exc)) from None
    run.report_paths = (config.getoption("dropout_report"), config.getoption("dropout_report_md"))
    from .report import unwritable

    for option, value in zip(("--dropout-report", "--dropout-report-md"), run.report_paths, strict=True):
        problem = unwritable(value) if value else None
        if problem:
            raise pytest.UsageError(f"{option}={value}: {problem}")
    config.pluginmanager.register(run, "dropout-conformance-run")
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        config.args[:] = [str(SUITE_FILE)]  # no paths given: run just the conformance suite
    return run

