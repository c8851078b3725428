"""Run every code snippet in the docs, so that no example is stale.

``python docs/gen/snippets.py [PAGE.md ...]`` (``tox -e docs`` runs it on every page) takes each
fenced code block of README.md and docs/*.md and, by its language:

* ``python``: runs it with this interpreter;
* ``sh`` / ``bash`` / ``shell``: runs it with ``bash -euo pipefail``; ``pytest``,
  ``dropout-conformance`` and the rest are the real commands of the environment the kit is
  installed in. ``pip``/``pip3`` and ``tox`` lines are not run (this environment is what they
  would set up; tox is what is running this) and are counted as "not run"; absolute ``/tmp/``
  paths are mapped into the page's workspace;
* ``toml``: parses it; a manifest (``[[xfail]]``) is loaded by the kit's manifest loader, a rubric
  (``[rubric]`` / ``[clauses...]``) by the grader's rubric loader, and a ``pyproject.toml``
  fragment's ``[project.entry-points...]`` are installed into the workspace (so a later
  ``--dropout-impl=mylayer`` finds them) and each one is loaded;
* ``yaml``: parsed; in a GitHub Actions workflow the ``run:`` steps run like a shell block;
* ``json``: parsed; ``text``: shown output, not code.

Each page runs in its own temporary workspace, prepared from ``docs/gen/workspace/common/`` (an
example library ``mypkg``, student submissions, the example rubric and Gradescope files) and
overlaid with ``docs/gen/workspace/<page name>/`` when that folder exists. Blocks run in page order.

Two markers, an HTML comment on the line(s) just before a block (invisible on the site):

* ``<!-- snippet: skip REASON -->``: the block cannot run here; the reason is printed;
* ``<!-- snippet: file PATH -->``: the block is a file: it is written to PATH in the workspace
  before any block runs (and is checked as its language says).

A block in another language, or with no language, is an error: label it or mark it. The run
prints what ran, page by page, with totals, so it cannot shrink silently; it exits 1 if any
block fails.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
WORKSPACE = HERE / "workspace"
TIMEOUT = 600

FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`\s]*)[^`]*$")
MARKER = re.compile(r"^<!--\s*snippet:\s*(?P<what>\S+)\s*(?P<arg>.*?)\s*-->$")
KINDS = {
    "python": "python", "py": "python",
    "sh": "shell", "bash": "shell", "shell": "shell",
    "toml": "toml", "yaml": "yaml", "yml": "yaml", "json": "json", "text": "text",
}
# The workspace's example files under the paths the docs use.
COPIES = {
    "dropout.py": "submission.py",
    "path/to/submission.py": "submission.py",
    "alice/dropout.py": "submission.py",
    "submissions/alice/dropout.py": "submission.py",
    "submissions/bob/dropout.py": "buggy_submission.py",
}
FROM_REPO = {"rubric.toml": "docs/examples/gradescope/rubric.toml", "docs/examples": "docs/examples"}
NOT_RUN = ("pip", "pip3", "tox")
SHELL_PRELUDE = "\n".join(
    [f'{cmd}() {{ printf "%s\\n" "{cmd} $*" >> "$SNIPPET_NOT_RUN"; }}' for cmd in NOT_RUN]
) + "\n"
TMP_PATH = re.compile(r"(?<![\w./$-])/tmp/")


class SnippetError(Exception):
    pass


@dataclass
class Block:
    page: str
    line: int
    lang: str
    text: str
    marker: tuple[str, str] | None = None

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"

    @property
    def kind(self) -> str:
        """skip | file | python | shell | toml | yaml | json | text; SnippetError if unclassifiable."""
        if self.marker:
            what, arg = self.marker
            if what == "skip":
                if not arg:
                    raise SnippetError(f"{self.where}: 'snippet: skip' needs a reason")
                return "skip"
            if what == "file":
                if not arg or arg.startswith("/") or ".." in Path(arg).parts:
                    raise SnippetError(f"{self.where}: 'snippet: file' needs a relative path inside the workspace")
                return "file"
            raise SnippetError(f"{self.where}: unknown marker 'snippet: {what}' (skip REASON or file PATH)")
        if self.lang not in KINDS:
            raise SnippetError(
                f"{self.where}: a ```{self.lang or '(no language)'} block cannot be run; label it "
                f"({', '.join(sorted(KINDS))}) or mark it <!-- snippet: skip REASON -->"
            )
        return KINDS[self.lang]


def pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def extract(path: Path) -> list[Block]:
    """Every fenced code block of a Markdown page, with the marker just before it, if any."""
    name = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    i, last = 0, ""
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            if lines[i].strip():
                last = lines[i].strip()
            i += 1
            continue
        fence, start = m["fence"], i
        body: list[str] = []
        i += 1
        while i < len(lines) and not (lines[i].strip().startswith(fence) and set(lines[i].strip()) == {fence[0]}):
            body.append(lines[i][len(m["indent"]):] if lines[i].startswith(m["indent"]) else lines[i])
            i += 1
        if i == len(lines):
            raise SnippetError(f"{name}:{start + 1}: code block never closed")
        mk = MARKER.match(last)
        blocks.append(Block(name, start + 1, m["info"].lower(), "\n".join(body) + "\n",
                            (mk["what"], mk["arg"]) if mk else None))
        i += 1
        last = ""
    return blocks


@dataclass
class PageResult:
    page: str
    counts: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    not_run: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, kind: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1


def _prepare(ws: Path, page: str) -> None:
    shutil.copytree(WORKSPACE / "common", ws, dirs_exist_ok=True)
    for dest, src in COPIES.items():
        (ws / dest).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ws / src, ws / dest)
    for dest, src in FROM_REPO.items():
        (ws / dest).parent.mkdir(parents=True, exist_ok=True)
        if (ROOT / src).is_dir():
            shutil.copytree(ROOT / src, ws / dest, dirs_exist_ok=True)
        else:
            shutil.copy(ROOT / src, ws / dest)
    overlay = WORKSPACE / Path(page).stem
    if overlay.is_dir() and overlay.name != "common":
        shutil.copytree(overlay, ws, dirs_exist_ok=True)
    (ws / "tmp").mkdir(exist_ok=True)


def _env(ws: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONPATH"] = str(ws)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["GITHUB_STEP_SUMMARY"] = str(ws / "tmp" / "github-step-summary.md")
    env["SNIPPET_NOT_RUN"] = str(ws / "tmp" / "not-run.txt")
    env["SNIPPET_TMP"] = str(ws / "tmp")
    env.pop("CI", None)  # the grader's progress output does not depend on it, but keep runs alike
    return env


def _run(cmd: list[str], ws: Path, env: dict[str, str]) -> tuple[int, str]:
    try:
        proc = subprocess.run(cmd, cwd=ws, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return 124, f"timed out after {TIMEOUT} s"
    return proc.returncode, proc.stdout + proc.stderr


def _check_toml(block: Block, ws: Path, entry_points: dict[str, dict[str, str]]) -> None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    data = tomllib.loads(block.text)
    if "xfail" in data:
        from dropout_conformance.expectations import parse

        if not parse(block.text, block.where):
            raise SnippetError("the manifest has no entries")
    if "rubric" in data or "clauses" in data:
        from dropout_conformance.grader.rubric import load_rubric

        path = ws / "tmp" / f"rubric-{block.line}.toml"
        path.write_text(block.text)
        load_rubric(str(path))
    if "project" in data:
        groups = data["project"].get("entry-points", {})
        known = {"dropout_conformance.implementations", "dropout_conformance.xfails", "dropout_conformance.seeders", "pytest11"}
        unknown = set(groups) - known
        if unknown:
            raise SnippetError(f"unknown entry point group(s) {sorted(unknown)}")
        for group, eps in groups.items():
            entry_points.setdefault(group, {}).update(eps)


def _install_entry_points(ws: Path, entry_points: dict[str, dict[str, str]]) -> None:
    """A distribution on the workspace's PYTHONPATH declaring the page's entry points."""
    dist = ws / "docs_snippets_example-0.0.dist-info"
    dist.mkdir(exist_ok=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: docs-snippets-example\nVersion: 0.0\n")
    text = "".join(f"[{g}]\n" + "".join(f"{n} = {v}\n" for n, v in eps.items()) + "\n" for g, eps in entry_points.items())
    (dist / "entry_points.txt").write_text(text)


LOAD_ENTRY_POINTS = """
import sys
from importlib.metadata import entry_points
wanted = {tuple(x.split("=", 1)) for x in sys.argv[1:]}
found = {(ep.group, ep.name): ep for g, _ in wanted for ep in entry_points(group=g)}
for group, name in sorted(wanted):
    found[(group, name)].load()
"""


def _workflow_steps(block: Block) -> str:
    import yaml

    data = yaml.safe_load(block.text)
    if not isinstance(data, dict) or "jobs" not in data:
        return ""
    steps = [s["run"] for job in data["jobs"].values() for s in job.get("steps", []) if "run" in s]
    return "\n".join(steps) + "\n"


def run_page(path: Path) -> PageResult:
    blocks = extract(path)
    result = PageResult(path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path))
    start = time.monotonic()
    kinds = []
    for b in blocks:
        try:
            kinds.append(b.kind)
        except SnippetError as exc:
            result.failures.append(str(exc))
            kinds.append("error")
    if result.failures or not blocks:
        return result
    with tempfile.TemporaryDirectory(prefix="docs-snippets-") as tmp:
        ws = Path(tmp)
        _prepare(ws, path.name)
        env = _env(ws)
        entry_points: dict[str, dict[str, str]] = {}
        # files first: a later shell block may use a file written further down the page
        for b, kind in zip(blocks, kinds, strict=True):
            if kind == "file":
                target = ws / b.marker[1]  # type: ignore[index]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(b.text)
            if kind == "toml" or (kind == "file" and b.lang == "toml"):
                try:
                    _check_toml(b, ws, entry_points)
                except Exception as exc:  # noqa: BLE001 - any loader error is the snippet's
                    result.failures.append(f"{b.where}: toml: {type(exc).__name__}: {exc}")
        if entry_points:
            _install_entry_points(ws, entry_points)
            wanted = [f"{g}={n}" for g, eps in entry_points.items() for n in eps if g != "pytest11"]
            code, out = _run([sys.executable, "-c", LOAD_ENTRY_POINTS, *wanted], ws, env)
            if code:
                result.failures.append(f"{result.page}: the page's entry points do not load:\n{out[-2000:]}")
        for b, kind in zip(blocks, kinds, strict=True):
            if kind == "skip":
                result.skipped.append(f"{b.where}: {b.marker[1]}")  # type: ignore[index]
                result.count("skipped")
                continue
            if kind == "file":
                if b.lang in ("py", "python"):
                    compile(b.text, b.where, "exec")
                result.count("file")
                continue
            script = None
            if kind == "python":
                script = [sys.executable, "-c", b.text]
            elif kind == "shell":
                script = ["bash", "-euo", "pipefail", "-c", SHELL_PRELUDE + TMP_PATH.sub("$SNIPPET_TMP/", b.text)]
            elif kind == "yaml":
                try:
                    steps = _workflow_steps(b)
                except Exception as exc:  # noqa: BLE001
                    result.failures.append(f"{b.where}: yaml: {exc}")
                    continue
                if steps:
                    script = ["bash", "-euo", "pipefail", "-c", SHELL_PRELUDE + steps]
            elif kind == "json":
                try:
                    json.loads(b.text)
                except ValueError as exc:
                    result.failures.append(f"{b.where}: json: {exc}")
                    continue
            if script is None:
                result.count(kind)
                continue
            t0 = time.monotonic()
            code, out = _run(script, ws, env)
            result.log.append(f"  {b.where} {kind}: exit {code} ({time.monotonic() - t0:.1f} s)")
            result.count(f"{kind} run" if kind != "yaml" else "workflow run")
            if code:
                result.failures.append(f"{b.where}: {kind} block exited {code}\n--- block ---\n{b.text}--- output (tail) ---\n"
                                       f"{out[-4000:]}")
        not_run = ws / "tmp" / "not-run.txt"
        if not_run.exists():
            result.not_run = [line.strip() for line in not_run.read_text().splitlines()]
    result.seconds = time.monotonic() - start
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Run every code snippet in README.md and docs/*.md.")
    ap.add_argument("pages", nargs="*", type=Path, help="pages to run (default: all)")
    ap.add_argument("--jobs", type=int, default=2, help="pages run at once (default 2)")
    args = ap.parse_args(argv)
    targets = [p.resolve() for p in args.pages] or pages()
    t0 = time.monotonic()
    try:
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            results = list(pool.map(run_page, targets))
    except SnippetError as exc:
        print(f"snippets: {exc}", file=sys.stderr)
        return 1
    totals: dict[str, int] = {}
    failures = []
    for r in results:
        summary = ", ".join(f"{v} {k}" for k, v in sorted(r.counts.items())) or "no code blocks"
        print(f"{r.page}: {summary} ({r.seconds:.1f} s)")
        for line in r.log:
            print(line)
        for s in r.skipped:
            print(f"  skipped {s}")
        for s in r.not_run:
            print(f"  not run here: {s}")
        for k, v in r.counts.items():
            totals[k] = totals.get(k, 0) + v
        totals["commands not run (pip/tox)"] = totals.get("commands not run (pip/tox)", 0) + len(r.not_run)
        failures += r.failures
    ran = sum(v for k, v in totals.items() if k.endswith(" run"))
    print(f"snippets: {ran} blocks run, " + ", ".join(f"{v} {k}" for k, v in sorted(totals.items()))
          + f"; {len(failures)} failed, in {time.monotonic() - t0:.0f} s")
    for f in failures:
        print(f"\nFAILED {f}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
