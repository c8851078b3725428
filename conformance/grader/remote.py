"""What ``grade --dask`` runs on a Dask worker: each submission in a fresh ``python -m`` child.

A task never grades inside the worker process. The child is this module's ``main``: it grades one
submission in the kit's own sandbox, exactly as the local grader does (:func:`.grade.grade_submission`),
and writes the result as JSON on its standard output. A fresh process per submission keeps the
sandbox's process handling (fork servers, death signals, cgroups) off the worker's threads, and a
child that dies costs that submission alone, never the worker.

The worker probes its isolation once (:func:`prepare`, run by the grader's preflight on every worker,
or by the first task of a worker that joined later), with the same probe as a local run, and hands
the result to every child; each result carries the isolation its sandbox had.

A task polls the run's ``distributed.Event`` every second: once the grader sets it (Ctrl-C), the
task ends its child, whose sandboxes die with it, and returns.
"""

from __future__ import annotations

import json
import os
import pickle
import platform
import signal
import subprocess
import sys
import threading
from typing import Any

from .. import __version__
from ..spec import SPEC_VERSION

POLL = 1.0
"""Seconds between a task's looks at the run's cancel event."""
ENDED = 10.0
"""Seconds a child is given to end its sandboxes after SIGTERM before SIGKILL."""

_PROBED: dict[tuple[str, bool], dict[str, Any]] = {}
"""This worker process's probe findings, per (--isolation, --allow-weak-isolation)."""
_LOCK = threading.Lock()


def _child(mode: str, payload: bytes, cancelled: Any = None, limit: float | None = None) -> tuple[dict[str, Any] | None, str]:
    """Run ``python -m dropout_conformance.grader.remote MODE`` on ``payload``: its JSON answer, or
    None and why there is none (it died, it was cancelled, it overran ``limit``)."""
    proc = subprocess.Popen([sys.executable, "-m", __name__, mode], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    waited = 0.0
    given: bytes | None = payload
    while True:
        try:
            out, err = proc.communicate(given, timeout=POLL)
            break
        except subprocess.TimeoutExpired:
            given = None  # already written; communicate() keeps what was read so far
            waited += POLL
            if (cancelled is not None and cancelled()) or (limit is not None and waited > limit):
                _end(proc)
                return None, "cancelled" if cancelled is not None and cancelled() else f"took longer than {limit:g} s"
    if proc.returncode == 0:
        try:
            return json.loads(out), ""
        except ValueError:
            pass
    tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit status {proc.returncode}"]
    return None, f"the grading process ended without a result ({tail[0][:300]})"


def _end(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM (the child ends its sandboxes as a local pool worker does), then SIGKILL."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            proc.send_signal(sig)
            proc.communicate(timeout=ENDED)
            return
        except subprocess.TimeoutExpired:
            continue
        except ProcessLookupError:
            return


def facts(isolation: str, allow_weak: bool) -> dict[str, Any]:
    """What the grader checks of a worker before it sends work: versions and isolation (probed once)."""
    key = (isolation, allow_weak)
    with _LOCK:
        if key not in _PROBED:
            answer, why = _child("probe", json.dumps({"isolation": isolation, "allow_weak": allow_weak}).encode())
            if answer is None:
                return {"kit": __version__, "spec": SPEC_VERSION, "problem": f"the isolation probe failed: {why}"}
            _PROBED[key] = answer
        return dict(_PROBED[key])


def prepare(isolation: str, allow_weak: bool, paths: list[str]) -> dict[str, Any]:
    """The preflight task the grader pins to every worker: :func:`facts`, and the first submission
    paths this worker cannot see (workers read the submissions where the grader found them)."""
    found = facts(isolation, allow_weak)
    found["missing"] = [p for p in paths if not os.path.exists(p)][:3]
    return found


def grade_task(payload: dict[str, Any], cancel_event: str) -> dict[str, Any]:
    """One submission, in a fresh child: ``{"result", "isolation"}``, ``{"lost": why}`` (the child died
    twice, as a local pool worker may), ``{"problem": why}`` (this worker cannot grade), or
    ``{"cancelled": True}``."""
    from distributed import Event

    event = Event(cancel_event)
    if event.is_set():
        return {"cancelled": True}
    if (__version__, SPEC_VERSION) != (payload["kit"], payload["spec"]):
        return {"problem": f"it has dropout-conformance {__version__} (spec {SPEC_VERSION})"}
    found = facts(payload["isolation"], payload["allow_weak"])
    if "problem" in found:
        return {"problem": found["problem"]}
    blob = pickle.dumps({**payload, "isolation": found["isolation"]})
    limit = 2 * payload["submission_timeout"] + 60  # the child's own limits end it long before
    why = ""
    for _ in range(2):
        answer, why = _child("grade", blob, event.is_set, limit)
        if answer is not None:
            return {"result": answer["result"], "isolation": found["isolation"]}
        if why == "cancelled":
            return {"cancelled": True}
    return {"lost": why}


def _probe(request: dict[str, Any]) -> dict[str, Any]:
    import numpy

    from ..sandbox import probe
    from .grade import acceptable_isolation

    isolation, problem = acceptable_isolation(probe.run(), request["isolation"], request["allow_weak"])
    found = {"kit": __version__, "spec": SPEC_VERSION, "python": platform.python_version(), "numpy": numpy.__version__}
    return {**found, "problem": problem} if isolation is None else {**found, "isolation": isolation.record()}


def _grade(request: dict[str, Any]) -> dict[str, Any]:
    from ..sandbox.isolation import Isolation
    from ..sandbox.parent import Limits
    from .grade import batch_folder, grade_submission
    from .shards import encode_submission

    record = {k: v for k, v in request["isolation"].items() if k != "description"}
    isolation = Isolation(**record)
    with batch_folder(isolation) as batch:
        limits = Limits(call_timeout=request["timeout"], submission_timeout=request["submission_timeout"],
                        memory=request["memory"], isolation=isolation, temp_root=batch)
        result = grade_submission(request["submission"], request["rubric"], request["seed"], limits, request["attr"])
    return {"result": encode_submission(result)}


def _watch_parent() -> None:
    """End this child (and so its sandboxes) if the worker that started it dies."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            threading.Event().wait(POLL)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, daemon=True).start()


def main() -> int:
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode not in ("probe", "grade"):
        print("usage: python -m dropout_conformance.grader.remote probe|grade (run by grade --dask)", file=sys.stderr)
        return 2
    _watch_parent()
    raw = sys.stdin.buffer.read()
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # nothing but the answer reaches the task's end of the pipe
    answer = _probe(json.loads(raw)) if mode == "probe" else _grade(pickle.loads(raw))  # noqa: S301 - from our own task
    out.write(json.dumps(answer))
    out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
