"""What ``grade --dask`` runs on a Dask worker: submissions graded in a ``python -m`` child per worker thread.

A task never grades inside the worker process. Each worker thread keeps one grading child (this
module's ``serve``), which grades submissions one after another in the kit's own sandbox, exactly
as a local pool worker does (:func:`.grade.grade_submission`), and answers each with the result as
JSON. The child keeps the sandbox's process handling (fork servers, death signals, cgroups) off
the worker's threads, and a child that dies costs that submission alone, never the worker: it is
graded again in a fresh child, and scored as lost if that one dies too.

The worker probes its isolation once (:func:`prepare`, run by the grader's preflight on every worker,
or by the first task of a worker that joined later), with the same probe as a local run, and hands
the result to every request; each result carries the isolation its sandbox had.

A task polls the run's ``distributed.Event`` every second: once the grader sets it (Ctrl-C), the
task ends its child, whose sandboxes end with it, and returns.
"""

from __future__ import annotations

import json
import os
import pickle
import platform
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from .. import __version__
from ..sandbox.isolation import stops_tcp
from ..spec import SPEC_VERSION

POLL = 1.0
"""Seconds between a task's looks at the run's cancel event."""
ENDED = 10.0
"""Seconds a child is given to end its sandboxes after SIGTERM before SIGKILL."""
LENGTH = 8
"""Bytes of the big-endian length before each message between a task and its child."""
IDLE = 120.0
"""Seconds a grading child waits for its next submission before it exits; a task reuses a child idle
for less than half of that (so none is asked just as it leaves)."""

_PROBED: dict[tuple[str, bool], dict[str, Any]] = {}
"""This worker process's probe findings, per (--isolation, --allow-weak-isolation)."""
_LOCK = threading.Lock()
_THREAD = threading.local()


def _frame(data: bytes) -> bytes:
    return len(data).to_bytes(LENGTH, "big") + data


def _end(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM (the child unwinds, ending its sandbox), then SIGKILL."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            proc.send_signal(sig)
            proc.wait(timeout=ENDED)
            return
        except subprocess.TimeoutExpired:
            continue
        except ProcessLookupError:
            return


def _describe(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


class _Child:
    """One grading child (``python -m dropout_conformance.grader.remote serve``), asked one request at a time."""

    def __init__(self, mode: str = "serve") -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", __name__, mode], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, start_new_session=True)

    def ask(self, request: bytes, cancelled: Callable[[], bool] | None = None,
            limit: float | None = None) -> tuple[dict[str, Any] | None, str]:
        """The child's answer, or None and why there is none: it died, was cancelled, or overran ``limit``
        (the child is then ended)."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        try:
            self.proc.stdin.write(_frame(request))
            self.proc.stdin.flush()
        except OSError:
            return None, self._died()
        fd, buf, waited = self.proc.stdout.fileno(), bytearray(), 0.0
        while True:
            ready, _, _ = select.select([fd], [], [], POLL)
            if ready:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    return None, self._died()
                buf += chunk
                size = int.from_bytes(buf[:LENGTH], "big") if len(buf) >= LENGTH else -1
                if size >= 0 and len(buf) >= LENGTH + size:
                    return json.loads(buf[LENGTH:LENGTH + size]), ""
                continue
            waited += POLL
            if cancelled is not None and cancelled():
                _end(self.proc)
                return None, "cancelled"
            if limit is not None and waited > limit:
                _end(self.proc)
                return None, f"grading it took longer than {limit:g} s"

    def _died(self) -> str:
        return f"the grading process died ({_describe(self.proc.wait())})"

    def close(self) -> None:
        _end(self.proc)


def facts(isolation: str, allow_weak: bool) -> dict[str, Any]:
    """What the grader checks of a worker before it sends work: versions and isolation (probed once)."""
    key = (isolation, allow_weak)
    with _LOCK:
        if key not in _PROBED:
            child = _Child("probe")
            try:
                answer, why = child.ask(json.dumps({"isolation": isolation, "allow_weak": allow_weak}).encode())
            finally:
                child.close()
            if answer is None or "error" in answer:
                why = answer["error"] if answer else why
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
    """One submission, in this thread's grading child: ``{"result", "isolation"}``, ``{"lost": why}``
    (a child died on it twice, as a local pool worker may), ``{"problem": why}`` (this worker cannot
    grade), ``{"error": why}`` (the kit failed) or ``{"cancelled": True}``."""
    from distributed import Event

    event = Event(cancel_event)
    if event.is_set():
        return {"cancelled": True}
    if (__version__, SPEC_VERSION) != (payload["kit"], payload["spec"]):
        return {"problem": f"it has dropout-conformance {__version__} (spec {SPEC_VERSION})"}
    found = facts(payload["isolation"], payload["allow_weak"])
    if "problem" in found:
        return {"problem": found["problem"]}
    if not stops_tcp(found["isolation"]):
        return {"problem": f"its sandboxes could open TCP connections ({found['isolation']['description']})"}
    request = pickle.dumps({**payload, "isolation": found["isolation"]})
    limit = 2 * payload["submission_timeout"] + 60  # the child's own limits end a submission long before
    why = ""
    for _ in range(2):
        child = getattr(_THREAD, "child", None)
        if child is None or child.proc.poll() is not None or time.monotonic() - _THREAD.used > IDLE / 2:
            if child is not None:
                child.close()
            child = _THREAD.child = _Child()
        answer, why = child.ask(request, event.is_set, limit)
        _THREAD.used = time.monotonic()
        if answer is not None:
            if "error" in answer:
                return answer
            return {"result": answer["result"], "isolation": found["isolation"]}
        _THREAD.child = None
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

    isolation = Isolation(**{k: v for k, v in request["isolation"].items() if k != "description"})
    with batch_folder(isolation) as batch:
        limits = Limits(call_timeout=request["timeout"], submission_timeout=request["submission_timeout"],
                        memory=request["memory"], isolation=isolation, temp_root=batch)
        result = grade_submission(request["submission"], request["rubric"], request["seed"], limits, request["attr"])
    return {"result": encode_submission(result)}


def _read_frame(stream: Any) -> bytes | None:
    """The next request, or None when the pipe closed or none came for :data:`IDLE` seconds."""
    if not select.select([stream], [], [], IDLE)[0]:
        return None
    head = stream.read(LENGTH)
    if len(head) < LENGTH:
        return None
    return stream.read(int.from_bytes(head, "big"))


def _watch_parent() -> None:
    """End this child (and so its sandboxes) if the worker that started it dies."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            threading.Event().wait(POLL)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, daemon=True).start()


def _exit(*_: Any) -> None:
    sys.exit(143)  # unwinds the grading: the sandbox is ended and the batch folder removed on the way out


def main() -> int:
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode not in ("probe", "serve"):
        print("usage: python -m dropout_conformance.grader.remote probe|serve (run by grade --dask)", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _exit)
    _watch_parent()
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # nothing but the answers reaches the task's end of the pipe
    while True:
        request = _read_frame(sys.stdin.buffer)
        if request is None:
            return 0  # the worker closed the pipe, or has had no work for this child for a while
        try:
            answer = _probe(json.loads(request)) if mode == "probe" else _grade(pickle.loads(request))  # noqa: S301 - our task's
        except Exception as exc:  # noqa: BLE001 - the kit's own failure, reported instead of a silent loss
            answer = {"error": f"{type(exc).__name__}: {str(exc)[:300]}"}
        answers.write(_frame(json.dumps(answer).encode()))
        answers.flush()
        if mode == "probe":
            return 0


if __name__ == "__main__":
    sys.exit(main())
