"""Shards: one class graded as N parts on any machines, then merged into the outputs of one run.

``grade --shard K/N --shard-dir DIR`` grades every N-th submission in name order (stable however
the folder lists them; shard sizes differ by at most one) and writes one result file per
submission, then ``_shard.json`` last: a folder without it is a shard that did not finish. A
result file holds the whole result model (every case outcome), so ``merge`` writes each output
exactly as a single run with the same seed would. It is not the instructors' JSON report: it
keeps what the submission said about hidden clauses, which the outputs decide per clause.

``merge`` refuses, naming the shard, anything that would not add up to that one run: a missing or
duplicated shard, a submission in two shards, or a shard graded with another seed, rubric,
setting, isolation, kit or spec version.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .. import __version__
from ..results import CaseOutcome, ClauseVerdict, Failure, Raised, Reproducer, Status
from ..spec import SPEC_VERSION
from .model import ClauseScore, GradeRun, SubmissionResult
from .outputs.common import dumps, named, write_atomic
from .rubric import Rubric

MANIFEST = "_shard.json"
"""Written last; no submission's file is named so (a stem never starts with '_shard')."""
MANIFEST_SCHEMA = "dropout-conformance-shard/1.0"
RESULT_SCHEMA = "dropout-conformance-shard-result/1.0"
SHARD = re.compile(r"^(\d+)/(\d+)$")


class ShardError(Exception):
    """A shard that cannot be written or merged as given (one line naming the shard)."""


@dataclass(frozen=True)
class Shard:
    index: int
    """1-based, as the command line writes it."""
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        m = SHARD.match(text.strip())
        if not m or not 1 <= int(m.group(1)) <= int(m.group(2)):
            raise ValueError(f"{text!r} is not a shard; write K/N with 1 <= K <= N, e.g. 2/4")
        return cls(int(m.group(1)), int(m.group(2)))

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def take(self, names: Sequence[str]) -> list[str]:
        """This shard's names: every ``count``-th of the sorted names, starting at ``index``."""
        return sorted(names)[self.index - 1 :: self.count]


def names_digest(names: Sequence[str]) -> str:
    """The whole class, as every shard saw it: shards of different folder contents do not merge."""
    return hashlib.sha256("\n".join(sorted(names)).encode("utf-8", "surrogatepass")).hexdigest()


def rubric_digest(rubric: Rubric) -> str:
    return hashlib.sha256(json.dumps(asdict(rubric), sort_keys=True).encode()).hexdigest()


def _raised(d: dict[str, Any] | None) -> Raised | None:
    return None if d is None else Raised(d["type_name"], d["text"], d["frames"], d["where"])


def _reproducer(d: dict[str, Any] | None) -> Reproducer | None:
    return None if d is None else Reproducer(d["seed"], tuple(d["calls"]), tuple(d["seeded"]))


def _failure(d: dict[str, Any] | None) -> Failure | None:
    if d is None:
        return None
    return Failure(d["clause"], d["got"], d["expected"], tuple(d["evidence"]), _raised(d["raised"]), d["returned_type"],
                   _reproducer(d["reproducer"]))


def _outcome(d: dict[str, Any]) -> CaseOutcome:
    return CaseOutcome(Status(d["status"]), _failure(d["failure"]), d["blocked_by"], d["note"])


def _verdict(d: dict[str, Any]) -> ClauseVerdict[CaseOutcome]:
    counts = {Status(k): int(v) for k, v in d["counts"].items()}
    return ClauseVerdict(d["clause"], Status(d["status"]), counts, tuple(_outcome(c) for c in d["cases"]), d["total"])


def encode_submission(sub: SubmissionResult) -> dict[str, Any]:
    """The whole result of one submission as plain JSON (enums as their values)."""
    data = asdict(sub)
    for score, original in zip(data["clauses"], sub.clauses, strict=True):
        score["verdict"]["status"] = original.verdict.status.value
        score["verdict"]["counts"] = {s.value: n for s, n in original.verdict.counts.items()}
        for case, outcome in zip(score["verdict"]["cases"], original.verdict.cases, strict=True):
            case["status"] = outcome.status.value
    return data


def decode_submission(d: dict[str, Any]) -> SubmissionResult:
    clauses = [
        ClauseScore(c["clause"], c["title"], c["level"], c["points"], c["max_points"], _verdict(c["verdict"]), c["visibility"],
                    c["impl_value"], c["cause"], c["seconds"])
        for c in d["clauses"]
    ]
    return SubmissionResult(d["name"], d["path"], d["status"], d["reason"], clauses, d["execution_time"], d["output"],
                            d.get("isolation") or {})


def write_shard(run: GradeRun, directory: str | Path, shard: Shard, all_names: Sequence[str], settings: dict[str, Any],
                rubric: Rubric) -> Path:
    """One result file per submission, then the manifest (so its presence means the shard finished)."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    stray = folder / MANIFEST
    if stray.exists():
        stray.unlink()  # a rerun: until it finishes, the folder is not a finished shard
    files = {}
    for stem, sub in named(run):
        write_atomic(folder / f"{stem}.json", dumps({"schema": RESULT_SCHEMA, "result": encode_submission(sub)}))
        files[sub.name] = f"{stem}.json"
    manifest = {
        "schema": MANIFEST_SCHEMA, "shard": shard.index, "of": shard.count, "kit_version": run.kit_version,
        "spec_version": run.spec_version, "seed": run.seed, "profile": run.profile, "rubric_source": run.rubric_source,
        "rubric": rubric_digest(rubric), "settings": settings, "isolation": run.isolation,
        "class_size": len(all_names), "class_digest": names_digest(all_names), "files": files,
    }
    return write_atomic(folder / MANIFEST, dumps(manifest))


AGREE = (("of", "shard count"), ("seed", "seed"), ("rubric", "rubric"), ("rubric_source", "rubric"), ("profile", "profile"),
         ("settings", "--attr, --entry, --timeout, --submission-timeout or --memory"), ("isolation", "isolation"),
         ("class_digest", "set of submissions"))
"""Manifest fields every shard must share, and what a difference is called in the error."""


FIELDS = {"shard", "kit_version", "spec_version", "class_size", "files", *(field for field, _ in AGREE)}


def _load_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ShardError(f"{what}: cannot read {path}: {exc.strerror}") from None
    except ValueError:
        raise ShardError(f"{what}: {path} is not JSON; rerun this shard") from None


def _manifest(folder: str) -> dict[str, Any]:
    path = Path(folder) / MANIFEST
    if not Path(folder).is_dir():
        raise ShardError(f"{folder}: no such folder")
    if not path.is_file():
        raise ShardError(f"{folder}: no {MANIFEST}: not a shard folder, or its grading did not finish; rerun "
                         "`dropout-conformance grade --shard K/N --shard-dir` for it")
    data = _load_json(path, folder)
    if not isinstance(data, dict) or data.get("schema") != MANIFEST_SCHEMA or not FIELDS <= set(data):
        raise ShardError(f"{folder}: {MANIFEST} is not a {MANIFEST_SCHEMA} manifest; rerun this shard")
    if (data["kit_version"], data["spec_version"]) != (__version__, SPEC_VERSION):
        raise ShardError(f"{folder}: graded by dropout-conformance {data['kit_version']} (spec {data['spec_version']}); "
                         f"this is {__version__} (spec {SPEC_VERSION}): merge with the kit that graded every shard")
    return data


def _result(folder: Path, file: str, name: str) -> SubmissionResult:
    data = _load_json(folder / file, str(folder))
    try:
        if data["schema"] != RESULT_SCHEMA or data["result"]["name"] != name:
            raise ValueError
        return decode_submission(data["result"])
    except (KeyError, TypeError, ValueError):
        raise ShardError(f"{folder}: {file} is not a {RESULT_SCHEMA} result of {name!r}; rerun this shard") from None


def merge_shards(folders: Sequence[str]) -> GradeRun:
    """The run the shards add up to, submissions in name order; ShardError names the first shard that does not fit."""
    if not folders:
        raise ShardError("name the shard folders to merge")
    manifests = [(folder, _manifest(folder)) for folder in folders]
    first_folder, first = manifests[0]
    seen: dict[int, str] = {}
    for folder, m in manifests:
        for field, called in AGREE:
            if m[field] != first[field]:
                raise ShardError(f"{folder}: shard {m['shard']}/{m['of']} differs from {first_folder} (shard "
                                 f"{first['shard']}/{first['of']}) in its {called}; grade every shard with the same")
        if m["shard"] in seen:
            raise ShardError(f"{folder}: shard {m['shard']}/{m['of']} again (also {seen[m['shard']]}); name each shard once")
        seen[m["shard"]] = folder
    missing = sorted(set(range(1, first["of"] + 1)) - set(seen))
    if missing:
        listed = ", ".join(f"{k}/{first['of']}" for k in missing)
        raise ShardError(f"shard(s) {listed} missing: merge needs all {first['of']} shard folders")
    owner: dict[str, str] = {}
    submissions = []
    for folder, m in manifests:
        for name, file in m["files"].items():
            if name in owner:
                raise ShardError(f"{folder}: submission {name!r} is also in {owner[name]}; shards must not overlap")
            owner[name] = folder
            submissions.append(_result(Path(folder), file, name))
    if len(owner) != first["class_size"] or names_digest(list(owner)) != first["class_digest"]:
        raise ShardError(f"the shards hold {len(owner)} submissions, not the {first['class_size']} they were graded from; "
                         "rerun every shard")
    return GradeRun(first["kit_version"], first["spec_version"], first["profile"], first["seed"], first["rubric_source"],
                    sorted(submissions, key=lambda s: s.name), first["isolation"])
