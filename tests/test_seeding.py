"""Every generator an implementation draws from is seeded before each case, and the reproducer
says which and seeds them the same way: a failure replays from the printed lines alone."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import numpy as np
import pytest

from dropout_conformance import seed_generators, seeding
from dropout_conformance.checks import case_seed, cases, run_case
from tests.helpers import run

FRAMEWORK = '''
import numpy as np

_state = {"rng": np.random.default_rng()}


def seed(value):
    _state["rng"] = np.random.default_rng(value)


def uniform(shape):
    return _state["rng"].random(shape)
'''

LAYER = '''
import numpy as np
import fakeframework


class DropoutLayer:
    """p used as the keep probability, drawn from the framework's own global generator."""

    def __init__(self, p):
        if not 0 <= p < 1:
            raise ValueError(p)
        self.p = p

    def forward(self, x, training=True):
        if not training:
            return x
        self.mask = fakeframework.uniform(np.shape(x)) < self.p
        return x * self.mask / (1 - self.p)

    def backward(self, grad):
        return grad * self.mask / (1 - self.p)
'''


def _site(tmp_path: Path) -> Path:
    """A folder on sys.path holding a 'framework' with its own generator, registered as a seeder."""
    site = tmp_path / "site"
    (site / "fakeframework-1.0.dist-info").mkdir(parents=True)
    (site / "fakeframework.py").write_text(FRAMEWORK)
    (site / "fakeframework-1.0.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: fakeframework\nVersion: 1.0\n")
    (site / "fakeframework-1.0.dist-info" / "entry_points.txt").write_text(
        "[dropout_conformance.seeders]\nfakeframework = fakeframework:seed\n"
    )
    (tmp_path / "layer.py").write_text(LAYER)
    return site


def _python(code: str, site: Path, cwd: Path) -> str:
    env = {"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_registered_seeder_is_seeded_named_in_the_reproducer_and_replays(tmp_path):
    """A layer drawing from a third-party generator: the kit seeds it before the case, the
    reproducer says so and seeds it the same way in a fresh process, so the masks replay."""
    site = _site(tmp_path)
    driver = textwrap.dedent(
        """
        import json
        import numpy as np
        from dropout_conformance import load_implementation
        from dropout_conformance.checks import cases, case_seed, run_case
        import fakeframework
        seeded, original = [], fakeframework.seed
        fakeframework.seed = lambda value: (seeded.append(value), original(value))  # before the kit loads it
        impl = load_implementation("layer.py:DropoutLayer")
        case = [c for c in cases("spec") if c.key == "train.unbiased-p0.2"][0]
        outcome = run_case(case, impl, case_seed(11, case))
        print(json.dumps({"status": str(outcome.status), "seed": case_seed(11, case), "seeded": seeded,
                          "lines": outcome.failure.reproducer.python("layer.py:DropoutLayer")}))
        """
    )
    result = json.loads(_python(driver, site, tmp_path))
    assert result["status"] == "failed"
    assert result["seeded"] == [result["seed"]], "the kit seeds the registered generator with the case's seed"
    lines = result["lines"]
    (seeding_line,) = [line for line in lines if line.startswith("seed_generators(")]
    assert seeding_line.startswith(f"seed_generators({result['seed']})")
    assert "random, numpy.random, fakeframework" in seeding_line
    header = lines[: lines.index(seeding_line) + 1]
    draw = "\nprint(impl(0.5).forward(np.ones(1000)).tolist())\n"
    replayed = [_python("\n".join(header) + draw, site, tmp_path) for _ in range(2)]
    assert replayed[0] == replayed[1], "the reproducer's seeding does not fix the framework's masks"
    unseeded = _python("\n".join(line for line in header if line != seeding_line) + draw, site, tmp_path)
    assert unseeded != replayed[0], "without the seeding line the masks should differ (1000 entries)"


def test_torch_is_seeded_when_it_is_imported(monkeypatch):
    """Never imported by the kit; seeded with torch.manual_seed once an implementation imported it."""
    seen = []
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    assert "torch" not in seed_generators(5)
    fake = types.ModuleType("torch")
    fake.manual_seed = seen.append  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "torch", fake)
    assert seed_generators(5)[:3] == ("random", "numpy.random", "torch")
    assert seen == [5]


def test_the_builtin_generators_are_seeded():
    seed_generators(123)
    a = (np.random.random(), __import__("random").random())
    seed_generators(123)
    assert (np.random.random(), __import__("random").random()) == a


def test_the_case_seeds_every_generator_before_it_runs(monkeypatch):
    """run_case reseeds through the implementation, and the reproducer names what was seeded."""
    monkeypatch.setattr(seeding, "registered", lambda: (("custom", lambda s: None),))
    (case,) = [c for c in cases("spec") if c.key == "train.unbiased-p0.2"]

    class KeepsP:
        def __init__(self, p):
            self.p = p

        def forward(self, x, training=True):
            return x * (np.random.random(np.shape(x)) < self.p) / (1 - self.p) if training else x

        def backward(self, grad):
            return grad

    outcome = run_case(case, KeepsP, case_seed(3, case))
    assert outcome.status == "failed"
    assert outcome.failure.reproducer.seeded == ("random", "numpy.random", "custom")


def test_a_broken_seeder_is_a_usage_error(pt: pytest.Pytester, monkeypatch):
    site = pt.path / "site"
    (site / "broken-1.0.dist-info").mkdir(parents=True)
    (site / "broken-1.0.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: broken\nVersion: 1.0\n")
    (site / "broken-1.0.dist-info" / "entry_points.txt").write_text("[dropout_conformance.seeders]\nbroken = nowhere_at_all:seed\n")
    monkeypatch.setenv("PYTHONPATH", str(site))
    result = run(pt, "--dropout-impl=reference")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*the seeder 'broken' (from broken 1.0) in entry point group * failed to load*"])
