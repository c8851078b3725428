"""Convention adapters (``--dropout-impl=CONVENTION:TARGET``): exact plumbing, loud usage errors,
and a wrong choice of p's meaning named in the failure. The corpus members written in each
convention (tests/test_corpus.py) prove the adapters pass correct code and catch its bugs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dropout_conformance.checks import case_seed, cases, run_case
from dropout_conformance.conventions import ConventionError, with_param_means
from dropout_conformance.resolve import ImplementationError, resolve
from tests.helpers import run, write

CORPUS = Path(__file__).parent / "corpus"
DROP_PAIR = CORPUS / "correct" / "function_pair_drop.py"
SPY = '''\
calls = []

def dropout_forward(x, dropout_param):
    calls.append(("forward", x, dict(dropout_param)))
    return OUT, CACHE

def dropout_backward(dout, cache):
    calls.append(("backward", dout, cache))
    return DX

OUT, CACHE, DX = object(), object(), object()
'''


def spy(tmp_path: Path, means: str):
    path = tmp_path / "spy.py"
    path.write_text(SPY)
    (impl,) = resolve(f"function-pair={means}:{path}")
    layer = impl(0.25)
    import sys

    module = next(m for m in list(sys.modules.values()) if getattr(m, "__file__", None) == str(path.resolve()))
    return layer, module


@pytest.mark.parametrize(("means", "param"), [("keep", 0.75), ("drop", 0.25)])
def test_function_pair_passes_values_through_and_threads_the_cache(tmp_path: Path, means: str, param: float) -> None:
    layer, module = spy(tmp_path, means)
    x, g = np.ones(3), np.zeros(3)
    assert layer.forward(x) is module.OUT
    assert layer.backward(g) is module.DX
    assert layer.forward(x, training=False) is module.OUT
    probe, train, back, test = module.calls
    assert probe[0] == "forward" and probe[1].shape == (0,) and probe[2] == {"p": param, "mode": "train"}
    assert train[1] is x and train[2] == {"p": param, "mode": "train"}
    assert back == ("backward", g, module.CACHE)
    assert test[2] == {"p": param, "mode": "test"}


def test_function_pair_backward_before_forward_gets_no_cache(tmp_path: Path) -> None:
    layer, module = spy(tmp_path, "keep")
    layer.backward(np.ones(2))
    assert module.calls[-1][2] is None


def test_function_pair_rejects_p_when_built_only_through_valueerror(tmp_path: Path) -> None:
    path = tmp_path / "strict.py"
    path.write_text("def dropout_forward(x, d):\n    raise ValueError('bad p')\n\n"
                    "def dropout_backward(d, c):\n    return d\n")
    (impl,) = resolve(f"function-pair=drop:{path}")
    with pytest.raises(ValueError, match="bad p"):
        impl(0.5)
    path2 = tmp_path / "crashes.py"
    path2.write_text("def dropout_forward(x, d):\n    return x.reshape(2, -1)\n\ndef dropout_backward(d, c):\n    return d\n")
    (impl2,) = resolve(f"function-pair=drop:{path2}")
    impl2(0.5)  # empty input breaks it: not a rejection of p, judged by the checks instead


def test_keep_prob_and_flag_name_change_only_what_they_name() -> None:
    seen = []

    class Layer:
        def __init__(self, keep):
            seen.append(keep)

        def forward(self, x, is_training):
            return ("forward", x, is_training)

        def backward(self, grad):
            return ("backward", grad)

    import sys
    import types

    sys.modules["conv_fake"] = types.SimpleNamespace(Layer=Layer)  # type: ignore[assignment]
    try:
        (impl,) = resolve("keep-prob:flag-name=is_training:conv_fake:Layer")
    finally:
        del sys.modules["conv_fake"]
    layer = impl(np.float32(0.25))
    assert seen == [np.float32(0.75)] and type(seen[0]) is np.float32
    x = object()
    assert layer.forward(x) == ("forward", x, True)
    assert layer.forward(x, training=False) == ("forward", x, False)
    assert layer.backward(x) == ("backward", x)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("function-pair:layers.py", "needs --dropout-param-means=keep|drop"),
        ("function-pair=maybe:layers.py", "must be one of keep, drop"),
        ("keep-prob=1:mod:Cls", "keep-prob takes no '=...'"),
        ("flag-name=1x:mod:Cls", "must be a Python identifier"),
        ("flag-name:mod:Cls", "flag-name needs the training flag's keyword name"),
        ("no-such-thing:mod:Cls", "no convention 'no-such-thing' (known: "),
        ("keep-prob:dropout_reference", "takes module:Attr or path/to/file.py:Attr"),
        ("function-pair=keep:dropout_reference:DropoutLayer", "takes a module or a .py file"),
        ("function-pair=keep:dropout_reference", "has no function dropout_forward or dropout_backward"),
        ("keep-prob:", "give what keep-prob adapts after the ':'"),
    ],
)
def test_bad_convention_values_say_what_to_do(value: str, fragment: str) -> None:
    with pytest.raises(ImplementationError, match=None) as info:
        resolve(value)
    assert fragment in str(info.value) and "\n" not in str(info.value), str(info.value)


def test_param_means_fills_function_pair_values_only() -> None:
    assert with_param_means(["function-pair:a.py", "reference"], "keep") == ["function-pair=keep:a.py", "reference"]
    assert with_param_means(["function-pair=drop:a.py"], "drop") == ["function-pair=drop:a.py"]
    with pytest.raises(ConventionError, match="applies to function-pair values only"):
        with_param_means(["reference"], "keep")
    with pytest.raises(ConventionError, match="says drop but --dropout-param-means=keep"):
        with_param_means(["function-pair=drop:a.py"], "keep")


def test_wrong_meaning_is_named_in_the_unbiased_failure() -> None:
    """A correct drop-probability pair checked as keep: train.unbiased sees exactly the swapped rate
    and its failure says which choice the adapter made and how to make the other."""
    (impl,) = resolve(f"function-pair=keep:{DROP_PAIR}")
    case = next(c for c in cases("spec") if c.clause == "train.unbiased" and "p0.1" in c.key)
    outcome = run_case(case, impl.driver, case_seed(7, case))
    assert outcome.status == "failed"
    assert outcome.failure is not None
    assert "it looks like p is used as the keep probability" in outcome.failure.got
    assert "--dropout-param-means=drop" in outcome.failure.got


def test_renamed_flag_member_passes_through_flag_name() -> None:
    """The buggy member whose only bug is naming its flag ``train`` is correct code in the flag-name convention."""
    from dropout_conformance.checks import run_all

    (impl,) = resolve(f"flag-name=train:{CORPUS / 'buggy' / 'flag_renamed_train.py'}:DropoutLayer")
    outcomes = run_all(impl.driver, 11, "spec")  # type: ignore[arg-type]
    assert {k: o.status for k, o in outcomes.items() if o.status != "passed"} == {}


@pytest.mark.parametrize("means", ["keep", "drop"])
def test_one_command_checks_a_course_pair(pt: pytest.Pytester, means: str) -> None:
    write(pt, "hw/layers.py", (CORPUS / "correct" / f"function_pair_{means}.py").read_text())
    result = run(pt, "--dropout-impl=function-pair:hw/layers.py", f"--dropout-param-means={means}",
                 "--dropout-no-baseline", "--dropout-seed=3")
    assert result.ret == 0, result.stdout.str()
    assert f"function-pair={means}:hw/layers.py" in result.stdout.str()


def test_function_pair_without_its_meaning_is_a_usage_error(pt: pytest.Pytester) -> None:
    write(pt, "hw/layers.py", DROP_PAIR.read_text())
    result = run(pt, "--dropout-impl=function-pair:hw/layers.py")
    assert result.ret == 4
    expected = "ERROR: --dropout-impl=function-pair:hw/layers.py: function-pair needs --dropout-param-means=keep|drop"
    assert expected in result.stderr.str()
