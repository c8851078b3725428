"""Single-submission mode: the one file a student's upload must hold, found among whatever else they sent.

Students upload whole folders, their own ``tests/``, notebooks and misnamed files. With a rubric's
``[submission] file = "dropout.py"`` (or ``--submission-file``) the grader grades exactly that file
and ignores everything else. The file counts as found when it is at the top of the upload, or when
exactly one file of that exact name is in the upload's folders (a student who uploaded the folder
holding it): that match is unambiguous. A name that differs only in case (``Dropout.py``) is not
graded: the import statement and the student's own tests name the file exactly, so the message
says what to rename instead. Nothing is opened or followed while looking: names only.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

DEFAULT_FILE = "dropout.py"
"""The file a zip's rubric names when the instructor names none."""
FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\.py")
DEPTH = 4
"""Folder levels searched below the upload's top (a folder holding a folder holding the file)."""
ENTRIES = 2000
"""Names looked at, at most: an upload of a whole home folder must not stall the grader."""
LISTED = 8
NAME_CHARS = 60
IGNORED_FOLDERS = ("__MACOSX", "__pycache__", ".git")


def valid_file_name(name: object) -> str | None:
    """Why ``name`` cannot be a submission file name, or None when it can (a plain ``.py`` name)."""
    if not isinstance(name, str) or not FILE_NAME.fullmatch(name):
        return f"the submission file must be a plain .py file name such as dropout.py, got {name!r}"
    return None


@dataclass(frozen=True)
class Found:
    """Where the expected file is (None: not found), and what the upload holds, for the message."""

    path: Path | None
    listing: str
    """The upload's top-level names, folders with a trailing ``/``, printable, capped."""
    hint: str = ""
    """What the student probably meant (a differently cased name, a notebook), in the kit's words plus their file name."""


def _printable(name: str) -> str:
    text = "".join(c if c.isprintable() else ascii(c)[1:-1] for c in name)
    return text if len(text) <= NAME_CHARS else text[: NAME_CHARS - 1] + "…"


def _walk(top: Path) -> list[tuple[str, bool, bool]]:
    """(path relative to ``top``, is a folder, is a regular file) for names in the upload, never following links."""
    seen: list[tuple[str, bool, bool]] = []
    queue: list[tuple[Path, str, int]] = [(top, "", 0)]
    while queue and len(seen) < ENTRIES:
        folder, prefix, depth = queue.pop(0)
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries[: ENTRIES - len(seen)]:
            try:
                mode = entry.stat(follow_symlinks=False).st_mode
            except OSError:
                continue
            is_dir, is_file = stat.S_ISDIR(mode), stat.S_ISREG(mode)
            seen.append((prefix + entry.name, is_dir, is_file))
            if is_dir and depth < DEPTH and entry.name not in IGNORED_FOLDERS:
                queue.append((Path(entry.path), f"{prefix}{entry.name}/", depth + 1))
    return seen


def find_submission_file(upload: Path, name: str) -> Found:
    """The file ``name`` in ``upload``: at its top, or the single one of that exact name in its folders."""
    names = _walk(upload)
    top = sorted(n + ("/" if d else "") for n, d, _ in names if "/" not in n)
    shown = [_printable(n) for n in top[:LISTED]]
    listing = ", ".join(shown) + (f" and {len(top) - LISTED} more" if len(top) > LISTED else "") or "nothing"
    exact = [n for n, d, _ in names if not d and n.rsplit("/", 1)[-1] == name
             and not any(part in IGNORED_FOLDERS for part in n.split("/")[:-1])]
    if name in exact:
        return Found(upload / name, listing)
    if len(exact) == 1:
        return Found(upload / exact[0], listing)
    if len(exact) > 1:
        return Found(None, listing, f"{len(exact)} files are named {name} ({', '.join(_printable(n) for n in exact[:3])}); "
                                    f"submit only one, at the top of the upload")
    cased = [n for n, d, _ in names if not d and n.rsplit("/", 1)[-1].lower() == name.lower()]
    notebooks = [n for n, d, _ in names if not d and n.lower().endswith(".ipynb")]
    if cased:
        return Found(None, listing, f"rename {_printable(cased[0])} to {name} (file names are case-sensitive)")
    if notebooks:
        return Found(None, listing, f"{_printable(notebooks[0])} is a notebook: put its code in {name} and submit that file")
    return Found(None, listing)


def missing_message(name: str, found: Found) -> str:
    """The student's one line on a missing file: what was expected, what they sent, what to do."""
    text = f"expected {name}; you submitted: {found.listing}"
    return text + (f"; {found.hint}" if found.hint else "")
