"""`--dropout-isolate`: the pytest suite drives a sandboxed implementation with the same verdicts."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import run

CORPUS = Path(__file__).parent / "corpus"


def test_isolated_run_matches_in_process_verdicts(pt):
    """Identity, in-place writes and failures cross the process boundary faithfully."""
    member = CORPUS / "buggy_strict" / "forward_mutates_input.py"
    args = [f"--dropout-impl={member}:DropoutLayer", "--dropout-profile=strict", "--dropout-no-baseline", "--dropout-seed=5"]
    isolated = run(pt, *args, "--dropout-isolate", "-k", "no-mutation or infer or values-p0.5")
    in_process = run(pt, *args, "-k", "no-mutation or infer or values-p0.5")
    assert isolated.ret == in_process.ret == 1
    assert isolated.parseoutcomes() == in_process.parseoutcomes()
    isolated.stdout.fnmatch_lines(["*(sandboxed in a child process)*", "FAILED *no-mutation-p0.5*"])


def test_isolation_contains_a_crash_to_its_own_checks(pt):
    (pt.path / "crashy.py").write_text(
        "import os\nimport numpy as np\n\n\nclass DropoutLayer:\n"
        "    def __init__(self, p):\n        if not 0 <= p < 1:\n            raise ValueError(p)\n        self.p = p\n\n"
        "    def forward(self, x, training=True):\n        os._exit(9)\n\n"
        "    def backward(self, grad):\n        raise RuntimeError('no forward')\n"
    )
    args = ["--dropout-impl=crashy.py:DropoutLayer", "--dropout-isolate", "--dropout-no-baseline"]
    result = run(pt, *args, "-k", "init or training-flag")
    assert result.ret == 1
    # init.invalid-p passes (9), init.valid-p's forward runs crash for a float p too, so they are
    # blocked (8), and api.training-flag fails on the crash: nothing else is touched
    result.assert_outcomes(passed=9, skipped=8, failed=1)
    result.stdout.fnmatch_lines(["*the submission's process died (exit status 9)*"])


def test_isolation_needs_a_file_value(pt):
    result = run(pt, "--dropout-impl=dropout_reference:DropoutLayer", "--dropout-isolate", "--dropout-no-baseline")
    assert result.ret == 4
    result.stderr.fnmatch_lines(["ERROR: --dropout-isolate: *is not a file implementation*"])
