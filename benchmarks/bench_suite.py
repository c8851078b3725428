"""Wall time of the default suite against one implementation, and the dormant plugin's cost.

    python benchmarks/bench_suite.py [--repeat 5] [--impl reference]

Every figure is the median of --repeat runs of a fresh process, in an empty temporary folder:
- bare:     python -c "import numpy, scipy.stats, hypothesis, pytest"  (the floor any suite pays)
- suite:    pytest --dropout-impl=IMPL --dropout-no-baseline  (default `spec` profile)
- dormant:  pytest on one trivial test with the plugin installed, vs. with -p no:dropout_conformance.plugin
- modules:  whether a dormant run imported numpy, scipy, hypothesis or the checks
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PY = sys.executable


def timed(cmd: list[str], cwd: str) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def median_of(cmd: list[str], cwd: str, repeat: int) -> float:
    return statistics.median(timed(cmd, cwd) for _ in range(repeat))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--impl", default="reference")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "test_trivial.py").write_text(
            "import sys\n\ndef test_trivial():\n"
            "    heavy = [m for m in ('numpy', 'scipy', 'hypothesis', 'dropout_conformance.checks') if m in sys.modules]\n"
            "    print('HEAVY', heavy)\n"
        )
        bare = median_of([PY, "-c", "import numpy, scipy.stats, hypothesis, pytest"], tmp, args.repeat)
        pytest = [PY, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        suite = median_of([*pytest, f"--dropout-impl={args.impl}", "--dropout-no-baseline"], tmp, args.repeat)
        with_plugin = median_of([*pytest, "test_trivial.py"], tmp, args.repeat)
        without = median_of([*pytest, "-p", "no:dropout_conformance.plugin", "test_trivial.py"], tmp, args.repeat)
        run = subprocess.run([*pytest, "-s", "test_trivial.py"], cwd=tmp, capture_output=True, text=True, check=False)
        heavy = next((line for line in run.stdout.splitlines() if line.startswith("HEAVY")), "HEAVY ?")
    print(f"python {sys.version.split()[0]}, median of {args.repeat} fresh processes")
    print(f"| bare `import numpy, scipy.stats, hypothesis, pytest` | {bare:.2f} s |")
    ratio = suite / bare
    print(f"| `pytest --dropout-impl={args.impl} --dropout-no-baseline` (spec profile) | {suite:.2f} s ({ratio:.2f}x bare) |")
    print(f"| trivial pytest run, plugin installed but dormant | {with_plugin:.3f} s |")
    print(f"| trivial pytest run, `-p no:dropout_conformance.plugin` | {without:.3f} s |")
    print(f"| dormant plugin's cost | {(with_plugin - without) * 1000:+.0f} ms; heavy modules imported: {heavy[6:]} |")


if __name__ == "__main__":
    main()
