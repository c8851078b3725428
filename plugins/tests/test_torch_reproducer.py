"""A torch-backed layer's failure replays from its printed reproducer: the kit seeds torch's global
generator before every case (torch is imported by then) and the reproducer does the same."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("torch")

LAYER = '''
import numpy as np
import torch


class DropoutLayer:
    """torch.rand(...) < p: p used as the keep probability, masks from torch's global generator."""

    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p

    def forward(self, x, training=True):
        if not training:
            return x
        self.mask = (torch.rand(np.shape(x), dtype=torch.float64) < self.p).numpy()
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        return grad * self.mask / (1 - self.p)
'''


def _python(code: str, cwd: Path) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_torch_layer_failure_replays_from_its_reproducer(tmp_path: Path) -> None:
    (tmp_path / "torchlayer.py").write_text(LAYER)
    driver = textwrap.dedent(
        """
        import json
        from dropout_conformance import load_implementation
        from dropout_conformance.checks import cases, case_seed, run_case
        impl = load_implementation("torchlayer.py:DropoutLayer")
        case = [c for c in cases("spec") if c.key == "train.unbiased-p0.2"][0]
        outcome = run_case(case, impl, case_seed(2026, case))
        print(json.dumps({"status": str(outcome.status), "got": outcome.failure.got,
                          "lines": outcome.failure.reproducer.python("torchlayer.py:DropoutLayer")}))
        """
    )
    result = json.loads(_python(driver, tmp_path))
    assert result["status"] == "failed", result
    lines = result["lines"]
    (seeding,) = [line for line in lines if line.startswith("seed_generators(")]
    assert "random, numpy.random, torch" in seeding
    header = lines[: lines.index(seeding) + 1]
    draw = "\nprint(impl(0.5).forward(np.ones(4096)).tolist())\n"
    first, second = (_python("\n".join(header) + draw, tmp_path) for _ in range(2))
    assert first == second, "seed_generators did not fix torch's masks"
    unseeded = "\n".join(line for line in header if line != seeding) + draw
    assert _python(unseeded, tmp_path) != first
