"""``--dropout-impl=torch-module:TARGET`` checks any ``torch.nn.Module`` dropout with one command:
the dropout-torch adapter, generalised (``ModuleLayer``), registered in the conventions group."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

MODULE = '''
import torch


class MyDropout(torch.nn.Module):
    def __init__(self, p):
        super().__init__()
        p = float(p)
        if not 0.0 <= p < 1.0:
            raise ValueError(f"p must satisfy 0 <= p < 1, got {p!r}")
        self.p = p

    def forward(self, x):
        if not IGNORES_MODE and (not self.training or self.p == 0.0):
            return x
        keep = torch.rand(x.shape, dtype=torch.float64) >= self.p
        return torch.where(keep, x / (1.0 - self.p), torch.zeros((), dtype=x.dtype))
'''


def _check(tmp_path: Path, ignores_mode: bool) -> dict[str, str]:
    (tmp_path / "mydrop.py").write_text(f"IGNORES_MODE = {ignores_mode}\n" + MODULE)
    report = tmp_path / "report.json"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--dropout-impl=torch-module:mydrop.py:MyDropout",
         "--dropout-no-baseline", "--dropout-profile=strict", "--dropout-seed=2026", f"--dropout-report={report}"],
        capture_output=True, text=True, cwd=tmp_path, timeout=600,
    )
    assert report.exists(), done.stdout + done.stderr
    statuses: dict[str, str] = {}
    for r in json.loads(report.read_text())["results"]:
        if r["status"] != "passed":
            statuses[r["clause"]] = r["status"]
    return statuses


def test_a_custom_module_dropout_passes_through_torch_module(tmp_path: Path) -> None:
    assert _check(tmp_path, ignores_mode=False) == {}


def test_a_module_that_ignores_eval_mode_is_caught(tmp_path: Path) -> None:
    statuses = _check(tmp_path, ignores_mode=True)
    assert statuses.get("infer.identity") == "failed", statuses
    assert all(s in ("failed", "blocked") for s in statuses.values())
    assert not {c for c, s in statuses.items() if s == "failed"} - {"infer.identity", "infer.returns-input", "lifecycle.inference"}


def test_torch_module_refuses_what_is_not_a_module() -> None:
    from dropout_conformance.resolve import resolve

    (impl,) = resolve("torch-module:dropout_reference:DropoutLayer")
    with pytest.raises(TypeError, match="not a torch.nn.Module"):
        impl(0.5)


def test_dropout_layer_is_the_generic_adapter_over_nn_dropout() -> None:
    from dropout_torch import DropoutLayer, ModuleLayer

    layer = DropoutLayer(0.3)
    assert isinstance(layer, ModuleLayer) and type(layer.module) is torch.nn.Dropout and layer.p == 0.3
