"""What every output format shares: safe file names, atomic writes, escaping, clause columns."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import secrets
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeAlias

from ...spec import CLAUSES, Clause
from ..model import ClauseScore, GradeRun, SubmissionResult

StrPath: TypeAlias = "str | os.PathLike[str]"

ORDER = {c.id: i for i, c in enumerate(CLAUSES)}
_BY_ID = {c.id: c for c in CLAUSES}


@dataclass(frozen=True)
class Output:
    """One output format, as the command line offers it: ``--<option> TARGET``."""

    option: str
    help: str
    audience: Literal["student", "instructor"]
    """Who reads it: a student's output shows each clause's student view only."""
    write: Callable[[GradeRun, StrPath, bool], object]
    """``write(run, target, released)``; ``released``: grades are published (``--release``)."""
    folder: bool = False
    """The target is a folder (one file per submission), not a file."""
    one_submission: bool = False
    """The platform grades one submission per container: the command line refuses a run of more."""

    @property
    def metavar(self) -> str:
        return "DIR" if self.folder else "PATH"


def spec_clause(clause_id: str) -> Clause | None:
    """The registry entry for a clause, or None for an ID the registry does not know (never raises mid-write)."""
    return _BY_ID.get(clause_id)


def clause_columns(run: GradeRun) -> list[ClauseScore]:
    """One ClauseScore per clause graded anywhere in the run, in registry order.

    The run carries no rubric, so the columns are the union over submissions: a submission with no
    clauses (nothing submitted) must not shrink the gradebook.
    """
    seen: dict[str, ClauseScore] = {}
    for sub in run.submissions:
        for c in sub.clauses:
            seen.setdefault(c.clause, c)
    return sorted(seen.values(), key=lambda c: (ORDER.get(c.clause, len(ORDER)), c.clause))


def fmt_points(x: float) -> str:
    """Points for people: 1 not 1.0, at most four decimals."""
    text = f"{x:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


_UNSAFE = re.compile(r"[^a-z0-9._-]+")
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def slug(name: str, limit: int = 80) -> str:
    """A file-name stem that is safe on every OS: ASCII letters, digits, '.', '_' and '-', no leading dot.

    Lower-cased, so names that differ only in case still collide on macOS/Windows and get numbered.
    A name with nothing ASCII left (e.g. all CJK) gets a stable hash so it is still recognisable per run.
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    stem = _UNSAFE.sub("-", ascii_name).strip("-._")[:limit].strip("-._")
    if not stem:
        stem = "submission-" + hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    if stem.split(".")[0] in _RESERVED:
        stem = "_" + stem
    return stem


def named(run: GradeRun) -> list[tuple[str, SubmissionResult]]:
    """(safe stem, submission) pairs: every per-student file and HTML anchor uses the same stems."""
    return list(zip(safe_names(s.name for s in run.submissions), run.submissions, strict=True))


def safe_names(names: Iterable[str]) -> list[str]:
    """Unique file-name stems, one per name, in order: collisions get -2, -3, ... (never reusing a taken stem)."""
    taken: set[str] = set()
    out = []
    for name in names:
        base = slug(name)
        stem, n = base, 1
        while stem in taken:
            n += 1
            stem = f"{base}-{n}"
        taken.add(stem)
        out.append(stem)
    return out


def write_atomic(path: StrPath, text: str, newline: str | None = None) -> Path:
    """Write text to a temporary file beside path, fsync it, then rename it over path.

    The temporary file is created like ``open`` would (mode 0o666 minus the umask), so the result
    has ordinary permissions; on any error it is removed and the old file, if any, is untouched.
    Undecodable bytes in folder names (lone surrogates) are written as U+FFFD instead of crashing.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with open(fd, "w", encoding="utf-8", errors="replace", newline=newline) as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
"""UTF-8's byte-order mark: Excel reads a CSV as UTF-8 only with it (else names come out garbled)."""


def cell(text: str) -> str:
    """Defuse spreadsheet formula injection (a name like ``=HYPERLINK(...)``) with a leading apostrophe (OWASP)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_text(rows: Iterable[Iterable[str]]) -> str:
    """Rows as CSV text for Excel and LMS importers: a BOM, then RFC 4180 quoting and CRLF line ends."""
    buf = io.StringIO()
    csv.writer(buf, quoting=csv.QUOTE_MINIMAL).writerows(rows)
    return BOM + buf.getvalue()


def dumps(data: Any) -> str:
    # allow_nan=False: NaN/Infinity are not JSON; failing loudly beats a file Gradescope rejects
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def md(text: str) -> str:
    """Student text as one line of literal Markdown: no headings, lists, links, emphasis, code or raw HTML.

    Escapes only what Markdown would act on, so the file still reads well as plain text.
    """
    flat = re.sub(r"([\\`*_\[\]<>|~&!])", r"\\\1", " ".join(text.split()))
    flat = re.sub(r"^(\d+)([.)])", r"\1\\\2", flat)
    return re.sub(r"^([#+=-])", r"\\\1", flat)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """Text with every control character but newline and tab shown as its escape (``\\x1b``), so a
    viewer that acts on terminal codes (colours, OSC links, cursor moves) shows them instead."""
    return _CONTROL.sub(lambda m: ascii(m[0])[1:-1], text)


def fence(text: str) -> str:
    """Text in a code block whose fence no backtick run inside it can close."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text.rstrip()}\n{fence}"


def versions(run: GradeRun) -> str:
    """The run in one line: kit, spec, profile, seed, and the sandbox isolation it had."""
    text = f"dropout-conformance {run.kit_version}, spec {run.spec_version}, profile {run.profile}, seed {run.seed}"
    level = run.isolation.get("level")
    if level == "weak":
        return text + ", WEAK isolation (--allow-weak-isolation: submissions could affect each other and the grader)"
    return text + (f", isolation {level}" if level else "")


def shown(text: str) -> str:
    """``text`` safe for a terminal: submission names and reasons come from students' file names, and a
    control character (an escape sequence, a carriage return) must not rewrite the instructor's screen."""
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)
