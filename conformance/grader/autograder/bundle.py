"""``dropout-conformance gradescope-zip``: the autograder zip an instructor uploads to Gradescope.

Gradescope's "Autograder Specifications" (gradescope-autograders.readthedocs.io/en/latest/specs/)
want ``setup.sh`` and ``run_autograder`` at the root of the zip; the zip's contents are unpacked into
``/autograder/source``, where ``setup.sh`` runs once as root when the image is built. Beside them the
zip holds the rubric (with its ``[submission]`` table: one file graded per upload), the kit's own
wheel (:mod:`.wheel`: nothing depends on the kit being on a package index), ``requirements.txt``
pinning the kit's dependencies to the versions installed here, and ``python-version``, this
Python's version, which ``setup.sh`` installs: what the instructor tried locally is what runs.
"""

from __future__ import annotations

import importlib.metadata
import os
import sys
import tempfile
import zipfile
from pathlib import Path

from ..._compat import tomllib
from ..rubric import RubricError, load_rubric
from ..upload import DEFAULT_FILE, valid_file_name
from .wheel import DISTRIBUTION, build_wheel, zip_entry

HERE = Path(__file__).parent
SCRIPTS = ("setup.sh", "run_autograder")
"""Package data beside this module: the two scripts Gradescope runs."""


class BundleError(Exception):
    """The zip cannot be built as asked (the one-line text says what to change)."""


def pinned_requirements() -> list[str]:
    """The kit's run-time requirements, each pinned to the installed version where it applies here."""
    from packaging.requirements import Requirement

    lines = []
    for text in importlib.metadata.requires(DISTRIBUTION) or []:
        req = Requirement(text)
        if req.marker is not None and "extra" in str(req.marker):
            continue
        marker = f"; {req.marker}" if req.marker else ""
        applies = req.marker is None or req.marker.evaluate()
        try:
            version = importlib.metadata.version(req.name) if applies else None
        except importlib.metadata.PackageNotFoundError:
            version = None
        lines.append(f"{req.name}=={version}{marker}" if version else text)
    return lines


def rubric_text(rubric_path: str, submission_file: str | None) -> str:
    """The rubric as the zip holds it: the instructor's text, with a ``[submission]`` table added when it has none."""
    try:
        rubric = load_rubric(rubric_path)
    except RubricError as exc:
        raise BundleError(str(exc)) from None
    text = Path(rubric_path).read_text()
    if submission_file is not None:
        problem = valid_file_name(submission_file)
        if problem:
            raise BundleError(f"--submission-file: {problem}")
    if rubric.submission_file is not None:
        if submission_file not in (None, rubric.submission_file):
            raise BundleError(f"the rubric's [submission] file is {rubric.submission_file!r} but --submission-file is "
                              f"{submission_file!r}; give one of them")
        return text
    text = text.rstrip("\n") + f'\n\n[submission]\nfile = "{submission_file or DEFAULT_FILE}"\n'
    tomllib.loads(text)  # the added table parses (the file name is a plain .py name)
    return text


def build_zip(out: str, rubric_path: str, submission_file: str | None = None) -> list[str]:
    """Write the autograder zip to ``out`` (atomically); returns the names it holds."""
    rubric = rubric_text(rubric_path, submission_file)
    python_version = f"{sys.version_info.major}.{sys.version_info.minor}"
    requirements = (f"# the kit's dependencies at the versions dropout-conformance gradescope-zip found (Python {python_version})\n"
                    + "".join(line + "\n" for line in pinned_requirements()))
    target = Path(out)
    with tempfile.TemporaryDirectory() as scratch:
        wheel = build_wheel(Path(scratch))
        members = [(name, (HERE / name).read_bytes(), 0o755) for name in SCRIPTS]
        members += [("rubric.toml", rubric.encode(), 0o644), ("requirements.txt", requirements.encode(), 0o644),
                    ("python-version", f"{python_version}\n".encode(), 0o644), (wheel.name, wheel.read_bytes(), 0o644)]
        tmp = target.with_name(f".{target.name}.tmp")
        try:
            with zipfile.ZipFile(tmp, "w") as zf:
                for name, data, mode in members:
                    zf.writestr(zip_entry(name, mode), data)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
    return [name for name, _, _ in members]
