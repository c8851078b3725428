"""A failure's message names the first underlying exception: its type, its text (or that it had
none) and the implementation's line that raised it, whether the layer ran in this process, under a
live Hypothesis run that found several distinct failures, or in the grader's sandbox.

Hypothesis reports several distinct failures as one ExceptionGroup; a layer may raise one itself;
a sandboxed layer's exception crosses the wire as JSON. None of these may leave a reader with only
``ExceptionGroup: Hypothesis found 2 distinct failures`` or ``raised ForwardNotCalledError:``.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dropout_conformance.checks import case_seed, cases, run_case
from dropout_conformance.checks import context as checks_context
from dropout_conformance.checks.context import Blocked, ConformanceFailure, raised_by
from dropout_conformance.checks.properties import _first_cause
from dropout_conformance.results import CaseOutcome, Failure, Raised, Status
from dropout_conformance.sandbox import protocol
from dropout_conformance.sandbox.child import error_reply
from dropout_conformance.sandbox.protocol import RemoteError, remote_exception
from dropout_reference import DropoutLayer

if sys.version_info >= (3, 11):
    from builtins import ExceptionGroup
else:  # Hypothesis depends on the backport before 3.11
    from exceptiongroup import ExceptionGroup

HERE = Path(__file__)
IMPL = "x.py:DropoutLayer"
CASES = {c.key: c for c in cases("spec")}
VALUES = CASES["train.values-p0.5-float64"]
SHAPE = CASES["train.output-shape-rank2"]


def _line(source: str) -> str:
    """``test_messages.py:N: source`` for the one line of this file that is ``source``, stripped."""
    (n,) = [i for i, text in enumerate(HERE.read_text().splitlines(), 1) if text.strip() == source]
    return f"{HERE.name}:{n}: {source}"


def _run(case: Any, impl: Any) -> tuple[CaseOutcome, Failure, str, str]:
    """The outcome, its failure, the full message and the one-line summary a grader output reads."""
    outcome = run_case(case, impl, case_seed(7, case))
    assert outcome.failure is not None, outcome
    return outcome, outcome.failure, outcome.render(IMPL), outcome.failure.summary(implementation_words=True)


class ForwardNotCalledError(Exception):
    pass


class RaisesWithoutAMessage:
    def __init__(self, p: float) -> None:
        self.p = p

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        raise ForwardNotCalledError()

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad


def test_an_exception_without_a_message_is_named_with_its_line() -> None:
    """``raised ForwardNotCalledError:`` and nothing else tells a reader nothing: the message says
    there was no text and shows the line that raised, in the full render and in the one-liner."""
    outcome, failure, message, summary = _run(SHAPE, RaisesWithoutAMessage)
    assert outcome.status is Status.FAILED and failure.clause == "train.output-shape"
    where = _line("raise ForwardNotCalledError()")
    assert failure.raised == Raised("ForwardNotCalledError", "", failure.raised.frames if failure.raised else "", where)
    assert "raised by the implementation (its own words): ForwardNotCalledError (no message)\n" in message
    assert f"\n  at {where}\n" in message
    assert summary.endswith(f"the implementation raised ForwardNotCalledError (no message) (at {where})")
    assert "ForwardNotCalledError:" not in message + summary


class RaisesOnTwoRanks:
    """Two distinct failures for Hypothesis (the same exception, raised at two lines): whichever it
    reports first, the underlying exception is an IndexError with this text."""

    def __init__(self, p: float) -> None:
        self.inner = DropoutLayer(p)

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        if x.ndim == 1:
            raise IndexError("axis 1 is out of bounds for rank 1")
        if x.ndim == 3:
            raise IndexError("axis 1 is out of bounds for rank 3")
        return self.inner.forward(x, training)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return self.inner.backward(grad)


class RaisesOrIsWrong:
    """An IndexError for rank-3 inputs, wrong values for rank-1 ones: two distinct failures."""

    def __init__(self, p: float) -> None:
        self.inner = DropoutLayer(p)

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        if x.ndim == 3:
            raise IndexError("rank 3 is not supported")
        out = self.inner.forward(x, training)
        return out + 1 if x.ndim == 1 else out

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return self.inner.backward(grad)


GROUP_NOTE = "(Hypothesis found 2 distinct failures; this is the first of them)"


def _run_into_a_group(monkeypatch: pytest.MonkeyPatch, impl: Any) -> tuple[CaseOutcome, Failure, str, str]:
    """``_run``, skipped unless the live Hypothesis run really raised a group of two or more: which
    failures an older Hypothesis finds within the kit's examples differs (6.100 finds one here)."""
    import hypothesis

    from dropout_conformance.checks import properties

    sizes: list[int] = []

    def spy(exc: Exception) -> BaseException:
        sizes.append(len(checks_context.leaves(exc)))
        return _first_cause(exc)

    monkeypatch.setattr(properties, "_first_cause", spy)
    result = _run(VALUES, impl)
    if not any(n >= 2 for n in sizes):
        pytest.skip(f"Hypothesis {hypothesis.__version__} found one failure, not a group, in {properties.MAX_EXAMPLES} examples")
    return result


def test_several_distinct_hypothesis_failures_show_the_first_underlying_exception(monkeypatch: pytest.MonkeyPatch) -> None:
    """Live, Hypothesis raises an ExceptionGroup for two distinct failures; the case reports the
    first failure of the clause inside it (the IndexError and its line), not the group's
    ``Hypothesis found 2 distinct failures``. The kit's note says there were more."""
    outcome, failure, message, summary = _run_into_a_group(monkeypatch, RaisesOnTwoRanks)
    assert outcome.status is Status.FAILED and failure.clause == "train.values"
    assert failure.got == "layer.forward(x) raised an exception"
    assert GROUP_NOTE in failure.evidence  # the group path ran: only a group adds the note
    assert failure.raised is not None and failure.raised.type_name == "IndexError"
    rank = 1 if "rank 1" in failure.raised.text else 3
    assert failure.raised.text == f"axis 1 is out of bounds for rank {rank}"
    where = _line(f'raise IndexError("axis 1 is out of bounds for rank {rank}")')
    assert failure.raised.where == where
    assert f"IndexError: axis 1 is out of bounds for rank {rank}\n  at {where}" in message
    assert f"IndexError: axis 1 is out of bounds for rank {rank} (at {where})" in summary
    assert "ExceptionGroup" not in message + summary
    x_line = next(line for line in message.splitlines() if line.startswith("  x = "))
    assert x_line.count("[") == rank, "the reproducer is the reported failure's own example"


def test_a_mix_of_an_exception_and_wrong_values_reports_one_of_them_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """The brief's example: an IndexError on rank 3, wrong values on rank 1. Hypothesis orders its
    failures by the simplest example, so either may come first; either way the message is that
    failure's, whole, and never the group's."""
    outcome, failure, message, summary = _run_into_a_group(monkeypatch, RaisesOrIsWrong)
    assert outcome.status is Status.FAILED and failure.clause == "train.values"
    assert GROUP_NOTE in failure.evidence
    assert "ExceptionGroup" not in message + summary and "Hypothesis found 2 distinct failures." not in message
    if failure.raised is not None:
        where = _line('raise IndexError("rank 3 is not supported")')
        assert failure.raised == Raised("IndexError", "rank 3 is not supported", failure.raised.frames, where)
        assert f"IndexError: rank 3 is not supported (at {where})" in summary
    else:
        assert failure.got == "some elements are neither"


def _clause_failure(got: str) -> ConformanceFailure:
    return ConformanceFailure(Failure("train.values", got))


def test_the_first_clause_failure_inside_nested_groups_is_raised() -> None:
    """A live run's group is unwrapped however it nests: the first ConformanceFailure or Blocked
    (depth first) is what the case reports, with the kit's note of how many failures there were."""
    first, second = _clause_failure("first"), _clause_failure("second")
    group = ExceptionGroup("outer", [ValueError("not ours"), ExceptionGroup("inner", [first]), second])
    found = _first_cause(group)
    assert isinstance(found, ConformanceFailure)
    assert found.failure.got == "first"
    assert found.failure.evidence == ("(Hypothesis found 3 distinct failures; this is the first of them)",)
    blocked = Blocked("train.output-shape", Failure("train.values", "not an array"))
    found = _first_cause(ExceptionGroup("g", [ExceptionGroup("h", [blocked]), first]))
    assert isinstance(found, Blocked) and found.prerequisite == "train.output-shape"
    assert found.failure.got == "not an array"


def test_a_group_without_a_clause_failure_reports_its_first_leaf_and_anything_else_passes() -> None:
    """No failure of the clause inside: the first leaf, never the group (a KitError inside stays a
    KitError, so it is not blamed on the implementation); a plain exception is left as it is."""
    kit = checks_context.KitError("the kit's mistake")
    assert _first_cause(ExceptionGroup("g", [ExceptionGroup("h", [kit]), ValueError("v")])) is kit
    plain = ValueError("v")
    assert _first_cause(plain) is plain
    only = _clause_failure("only")
    assert _first_cause(ExceptionGroup("g", [only])) is only  # one failure: no note to add


class RaisesAGroup:
    def __init__(self, p: float) -> None:
        self.p = p

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        raise ExceptionGroup("x", [ValueError("inner")])

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad


def test_an_exception_group_the_layer_raises_is_described_by_its_first_leaf() -> None:
    """The layer's own group: the message names the leaf's type and text, says it was the only
    one in the group, and shows the line that raised the group (the leaf was never raised)."""
    _, failure, message, summary = _run(SHAPE, RaisesAGroup)
    where = _line('raise ExceptionGroup("x", [ValueError("inner")])')
    assert failure.raised is not None
    assert (failure.raised.type_name, failure.raised.text) == ("ValueError", "inner (the only exception in ExceptionGroup 'x')")
    assert failure.raised.where == where
    assert "its own words): ValueError: inner (the only exception in ExceptionGroup 'x')\n" in message
    assert f"ValueError: inner (the only exception in ExceptionGroup 'x') (at {where})" in summary


def _raise(exc: BaseException) -> BaseException:
    try:
        raise exc
    except BaseException as caught:  # noqa: BLE001
        return caught


def test_nested_group_leaves_are_counted_and_a_raised_leaf_keeps_its_own_line() -> None:
    leaf = _raise(KeyError("k"))
    group = _raise(ExceptionGroup("outer", [ExceptionGroup("inner", [leaf, OSError()]), ValueError()]))
    said = raised_by(group)
    assert (said.type_name, said.text) == ("KeyError", "'k' (first of 3 exceptions in ExceptionGroup 'outer')")
    assert said.where == _line("raise exc")
    empty = raised_by(ExceptionGroup("g", [ForwardNotCalledError(), OSError()]))
    assert (empty.type_name, empty.text) == ("ForwardNotCalledError", "(no message; first of 2 exceptions in ExceptionGroup 'g')")


# --------------------------------------------------------------------------- the sandbox's path


def _over_the_wire(exc: BaseException) -> tuple[dict[str, Any], Exception, Raised]:
    """What the child sends for ``exc`` (through JSON, as a frame carries it), the exception the
    parent rebuilds from it and what ``raised_by`` makes of that: no sandbox is started."""
    reply = json.loads(json.dumps(error_reply(exc)))
    rebuilt = remote_exception(reply)
    return reply, rebuilt, raised_by(rebuilt)


class NotCalled(ValueError):
    pass


def test_a_sandboxed_exception_without_a_message_keeps_its_type_and_line() -> None:
    """The child sends the type's name, the (empty) text and the raising line; the parent rebuilds
    the nearest builtin (for the verdict) and ``raised_by`` shows the submission's own words."""
    reply, rebuilt, said = _over_the_wire(_raise(ForwardNotCalledError()))
    assert reply["where"] == _line("raise exc")
    assert type(rebuilt) is RemoteError and str(rebuilt) == "ForwardNotCalledError: "
    assert said == Raised("ForwardNotCalledError", "", "", _line("raise exc"))
    assert said.render() == f"raised by the implementation (its own words): ForwardNotCalledError (no message)\n  at {said.where}"
    _, rebuilt, said = _over_the_wire(_raise(NotCalled("p must be in [0, 1)")))
    assert type(rebuilt) is ValueError, "the verdict's type is the nearest builtin, as before"
    assert (said.type_name, said.text) == ("NotCalled", "p must be in [0, 1)")


class StrRaises(RuntimeError):
    def __str__(self) -> str:
        raise KeyboardInterrupt


class StrIsNotAString(RuntimeError):
    def __str__(self) -> Any:
        return 42


class Sly(str):
    def __getitem__(self, index: Any) -> Any:
        raise RuntimeError("sliced")

    def __str__(self) -> str:
        raise RuntimeError("str-ed")


class StrIsASlyString(RuntimeError):
    def __str__(self) -> str:
        return Sly("its text")


class LyingGroup(ExceptionGroup):  # type: ignore[misc, type-arg]
    @property
    def exceptions(self) -> Any:  # type: ignore[override]
        raise RuntimeError("hostile")


@pytest.mark.parametrize(
    ("exc", "text"),
    [
        (StrRaises(), "(its text could not be read)"),
        (StrIsNotAString(), "(its text could not be read)"),
        (StrIsASlyString(), "its text"),
    ],
    ids=["raises", "not-a-str", "sly-str"],
)
def test_error_reply_never_raises_for_a_hostile_str(exc: BaseException, text: str) -> None:
    """A ``__str__`` that raises (even a BaseException), returns a non-str or a str subclass whose
    methods raise: the child still answers, with a placeholder or the plain characters."""
    reply, _, said = _over_the_wire(_raise(exc))
    assert reply["message"] == text and reply["error"] == type(exc).__name__
    assert (said.type_name, said.text, said.where) == (type(exc).__name__, text, _line("raise exc"))


@pytest.mark.skipif(sys.version_info < (3, 11), reason="the sandbox unwraps builtin groups only (3.11+)")
def test_the_child_describes_a_group_by_its_first_leaf_through_the_group_s_own_getters() -> None:
    """The group is rebuilt as before (no builtin takes its place, so a verdict cannot change), and
    shown by its real first leaf even when its class hides ``exceptions`` behind a property."""
    reply, rebuilt, said = _over_the_wire(_raise(LyingGroup("x", [ValueError("inner"), OSError()])))
    assert reply["error"] == "LyingGroup" and type(rebuilt) is RemoteError
    assert (said.type_name, said.text) == ("ValueError", "inner (first of 2 exceptions in LyingGroup 'x')")
    assert said.where == _line("raise exc")


def test_overlong_text_and_source_lines_are_capped(tmp_path: Path) -> None:
    """The child caps what it sends (500 characters of text, 200 of the raising line) and the
    parent caps again whatever it is sent."""
    module = tmp_path / "long_lines.py"
    module.write_text(f"def fail():\n    raise ValueError('{'y' * 400}' + 'z' * 10_000)\n")
    spec = importlib.util.spec_from_file_location("long_lines", module)
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    try:
        loaded.fail()
    except ValueError as exc:
        reply, rebuilt, said = _over_the_wire(exc)
    assert reply["message"] == "y" * 400 + "z" * 100
    assert len(said.where) == 200 and said.where.startswith("long_lines.py:2: raise ValueError('yyy")
    assert said.where.endswith("...")
    assert str(rebuilt) == "ValueError: " + "y" * 400 + "z" * 100


def test_the_parent_takes_only_capped_strs_from_a_reply() -> None:
    """Everything the child sends is untrusted: a non-str is dropped, every str is capped, and what
    a UTF-8 file could not hold (a lone surrogate) is escaped; nothing is evaluated."""
    rebuilt = remote_exception({"error": 5, "mro": ["ValueError"], "message": ["__import__('os')"],
                                "said_type": {"a": 1}, "said_text": "t" * 10_000 + "\udc80", "where": "w" * 10_000})
    assert type(rebuilt) is ValueError and str(rebuilt) == "?: "
    said = raised_by(rebuilt)
    assert (said.type_name, said.text, said.where, said.frames) == ("?", "t" * 700, "w" * 200, "")
    surrogate = raised_by(remote_exception({"error": "E", "message": "a\udc80b"}))
    assert surrogate.text == "a\\udc80b"
    assert type(remote_exception({"ok": False})) is RemoteError


def test_the_attribute_the_parent_sets_is_the_one_raised_by_reads() -> None:
    """checks/ never imports the sandbox, so the attribute's name is written in both modules."""
    assert protocol.SANDBOX_SAID == checks_context.SANDBOX_SAID


def test_an_in_process_remote_layer_failure_reads_the_sandbox_s_words() -> None:
    """Through a check, as the grader runs it: a layer whose forward raises what the sandbox's
    parent would (a rebuilt exception) gets the submission's type, text and line in its message."""

    class Remote:
        def __init__(self, p: float) -> None:
            self.p = p

        def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
            raise remote_exception({"error": "ForwardNotCalledError", "mro": ["ForwardNotCalledError", "Exception"],
                                    "message": "", "said_type": "ForwardNotCalledError", "said_text": "",
                                    "where": "dropout.py:12: raise ForwardNotCalledError()"})

        def backward(self, grad: np.ndarray) -> np.ndarray:
            return grad

    _, failure, message, summary = _run(SHAPE, Remote)
    assert "its own words): ForwardNotCalledError (no message)\n  at dropout.py:12: raise ForwardNotCalledError()" in message
    assert summary.endswith("raised ForwardNotCalledError (no message) (at dropout.py:12: raise ForwardNotCalledError())")
    assert "remote" not in message.lower()


def test_a_frame_of_numpy_is_passed_over_for_the_implementation_s_own_line() -> None:
    """numpy raising inside its own Python code: the line shown is the implementation's call."""

    def pads(grad: np.ndarray) -> np.ndarray:
        return np.pad(grad, ((1, 2, 3),))

    said = raised_by(_raise_from(pads))
    assert said.where == _line("return np.pad(grad, ((1, 2, 3),))")
    assert "numpy" in said.frames, "the frames still show where numpy raised"


def _raise_from(fn: Any) -> BaseException:
    try:
        fn(np.zeros(3))
    except Exception as exc:  # noqa: BLE001
        return exc
    raise AssertionError("did not raise")
