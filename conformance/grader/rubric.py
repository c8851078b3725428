"""Rubrics: points (and Gradescope visibility) per clause, from TOML.

    [rubric]
    partial_credit = false          # true: points scale with the fraction of the clause's cases passed
    forbid_imports = ["torch"]      # top-level packages a submission may not import, besides the kit's

    [clauses."init.invalid-p"]
    points = 1
    visibility = "visible"          # hidden | after_due_date | after_published | visible

    [submission]                    # optional: single-submission mode (Gradescope)
    file = "dropout.py"             # the one file graded; the rest of the upload is ignored

    [convention]                    # optional: submissions written in one of the kit's conventions
    name = "function-pair"          # function-pair | keep-prob | flag-name=NAME (as --dropout-impl's prefix)
    param_means = "keep"            # function-pair only, required: dropout_param["p"] is the keep or drop probability

The default rubric gives 1 point to each of the six published checks (the `core` profile).
Only clauses with points are run, so a rubric is also how an instructor picks the checks.
A submission may never import ``dropout_reference`` or ``dropout_conformance``; ``forbid_imports``
adds packages (the sandbox enforces it: :mod:`dropout_conformance.sandbox.integrity`).
"""

from __future__ import annotations

import keyword
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._compat import tomllib
from ..sandbox.integrity import UNFORBIDDABLE
from ..spec import CLAUSES, clause, in_profile
from .upload import valid_file_name

VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")


class RubricError(Exception):
    """A rubric that cannot be used as written."""


@dataclass(frozen=True)
class RubricLine:
    clause: str
    points: float
    visibility: str = "visible"


@dataclass(frozen=True)
class Rubric:
    lines: tuple[RubricLine, ...]
    partial_credit: bool = False
    source: str = "default rubric: 1 point per clause of profile core"
    submission_file: str | None = None
    """``[submission] file``: grade this one file of an upload (:mod:`.upload`); None: discover submissions."""
    forbid_imports: tuple[str, ...] = ()
    """Packages a submission may not import besides the kit's own (always forbidden)."""
    convention: str | None = None
    """``[convention]`` as a head (``function-pair=keep``): build layers through it, in the sandbox."""

    @property
    def clauses(self) -> list[str]:
        return [line.clause for line in self.lines]

    @property
    def max_score(self) -> float:
        return sum(line.points for line in self.lines)


def profile_rubric(profile: str) -> Rubric:
    """The rubric without a file: 1 point, visible, per clause of ``profile`` (``core`` by default)."""
    lines = tuple(RubricLine(c.id, 1.0) for c in CLAUSES if in_profile(c, profile))
    return Rubric(lines, source=f"default rubric: 1 point per clause of profile {profile}")


def load_rubric(path: str) -> Rubric:
    try:
        data = tomllib.loads(Path(path).read_text())
    except OSError as exc:
        raise RubricError(f"cannot read rubric {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise RubricError(f"rubric {path} is not valid TOML: {exc}") from None
    unknown = set(data) - {"rubric", "clauses", "submission", "convention"}
    if unknown:
        raise RubricError(f"rubric {path}: unknown table(s) {sorted(unknown)}; use [rubric], [clauses.\"ID\"], [submission] "
                          "and [convention]")
    settings = data.get("rubric", {})
    extra = set(settings) - {"partial_credit", "forbid_imports"}
    if extra:
        raise RubricError(f"rubric {path}: unknown [rubric] key(s) {sorted(extra)}")
    lines = []
    for clause_id, spec in data.get("clauses", {}).items():
        try:
            clause(clause_id)
        except KeyError as exc:
            raise RubricError(f"rubric {path}: {exc.args[0]}") from None
        if not isinstance(spec, dict) or set(spec) - {"points", "visibility"}:
            raise RubricError(f"rubric {path}: [clauses.\"{clause_id}\"] takes only 'points' and 'visibility'")
        points = spec.get("points")
        if isinstance(points, bool) or not isinstance(points, (int, float)) or points < 0:
            raise RubricError(f"rubric {path}: clause {clause_id} needs points >= 0, got {points!r}")
        visibility = spec.get("visibility", "visible")
        if visibility not in VISIBILITIES:
            raise RubricError(f"rubric {path}: clause {clause_id} visibility must be one of {', '.join(VISIBILITIES)}")
        lines.append(RubricLine(clause_id, float(points), visibility))
    if not lines:
        raise RubricError(f"rubric {path} gives points to no clause")
    order = {c.id: i for i, c in enumerate(CLAUSES)}
    lines.sort(key=lambda line: order[line.clause])
    leak = visibility_leak(lines)
    if leak:
        raise RubricError(f"rubric {path}: {leak}")
    forbidden = _forbid_imports(path, settings.get("forbid_imports", []))
    return Rubric(tuple(lines), bool(settings.get("partial_credit", False)), str(path), _submission_file(path, data), forbidden,
                  _convention(path, data))


def visibility_leak(lines: list[RubricLine] | tuple[RubricLine, ...]) -> str | None:
    """Why students would learn a withheld clause's result from another clause, or None.

    A clause is *blocked* (0 points, "blocked by ...") when a prerequisite it requires fails, so a
    clause shown earlier than one of its prerequisites tells students that prerequisite's result.
    Safe pairs: the prerequisite is visible, the dependent is hidden, or both share a visibility
    (after_due_date and after_published are different moments, neither later than the other)."""
    by_id = {line.clause: line for line in lines}
    for line in lines:
        for need in clause(line.clause).requires:
            other = by_id.get(need)
            if other is None or other.visibility in ("visible", line.visibility) or line.visibility == "hidden":
                continue
            return (f"{line.clause} ({line.visibility}) is blocked when {need} ({other.visibility}) fails, so students "
                    f"would read {need}'s result early; give both the same visibility, or make {need} visible")
    return None


def _submission_file(path: str, data: dict[str, object]) -> str | None:
    """The ``[submission]`` table's ``file``, checked like every other key."""
    if "submission" not in data:
        return None
    table = data["submission"]
    if not isinstance(table, dict):
        raise RubricError(f"rubric {path}: submission must be a table: [submission] file = \"dropout.py\"")
    extra = set(table) - {"file"}
    if extra:
        raise RubricError(f"rubric {path}: unknown [submission] key(s) {sorted(extra)}; it takes only 'file'")
    problem = valid_file_name(table.get("file"))
    if problem:
        raise RubricError(f"rubric {path}: [submission] {problem}")
    return str(table["file"])


def _forbid_imports(path: str, value: Any) -> tuple[str, ...]:
    """``forbid_imports`` checked: a list of top-level package names, none the sandbox runs on."""
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise RubricError(f"rubric {path}: forbid_imports must be a list of package names, like [\"torch\"]")
    for name in value:
        if not name or not all(part.isidentifier() and not keyword.iskeyword(part) for part in name.split(".")):
            raise RubricError(f"rubric {path}: forbid_imports entry {name!r} is not a module name (a dotted Python identifier)")
        if "." in name:
            raise RubricError(f"rubric {path}: forbid_imports takes top-level packages: {name.split('.')[0]!r}, not {name!r}")
        if name in UNFORBIDDABLE:
            raise RubricError(f"rubric {path}: forbid_imports cannot include {name!r}: Python or the sandbox itself runs on it")
    return tuple(dict.fromkeys(value))


def convention_head(name: object, param_means: object = None) -> str:
    """The convention a grader runs submissions through, from its name and (for function-pair) p's
    meaning, as one head (``function-pair=keep``); ConventionError when it cannot run in the sandbox."""
    from ..conventions import ConventionError, sandboxed

    if not isinstance(name, str):
        raise ConventionError("name must be a string: function-pair, keep-prob or flag-name=NAME")
    if name == "function-pair" and param_means is None:
        raise ConventionError('function-pair needs the meaning of p, never guessed: param_means = "keep" (or "drop") in '
                              "the rubric's [convention], or --param-means=keep|drop")
    if param_means is not None:
        if name != "function-pair":
            raise ConventionError(f"param_means applies to name = \"function-pair\" only (got {name!r})")
        if param_means not in ("keep", "drop"):
            raise ConventionError(f"param_means must be \"keep\" or \"drop\", got {param_means!r}")
        name = f"{name}={param_means}"
    sandboxed(name)
    return name


def _convention(path: str, data: dict[str, object]) -> str | None:
    """The ``[convention]`` table, checked like every other key."""
    if "convention" not in data:
        return None
    from ..conventions import ConventionError

    table = data["convention"]
    if not isinstance(table, dict):
        raise RubricError(f"rubric {path}: convention must be a table: [convention] name = \"function-pair\"")
    extra = set(table) - {"name", "param_means"}
    if extra:
        raise RubricError(f"rubric {path}: unknown [convention] key(s) {sorted(extra)}; it takes 'name' and 'param_means'")
    try:
        return convention_head(table.get("name"), table.get("param_means"))
    except ConventionError as exc:
        raise RubricError(f"rubric {path}: [convention] {exc}") from None
