"""The sandboxed side: import one submission and execute the calls the grader asks for.

This module is the fork server's preload: it pins numerical libraries to one thread *before*
numpy is imported, so forking a child from the server is safe and cheap. Everything here runs
with the submission's privileges and limits; nothing here decides a verdict.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import abc  # noqa: E402, F401 - preloaded: a child may be unable to read the stdlib after dropping privileges
import collections  # noqa: E402, F401
import copy  # noqa: E402, F401
import dataclasses  # noqa: E402, F401
import enum  # noqa: E402, F401
import functools  # noqa: E402
import importlib.util  # noqa: E402
import itertools  # noqa: E402, F401
import math  # noqa: E402, F401
import mmap  # noqa: E402
import numbers  # noqa: E402, F401
import operator  # noqa: E402, F401
import random  # noqa: E402
import resource  # noqa: E402
import secrets  # noqa: E402, F401
import signal  # noqa: E402
import sys  # noqa: E402
import typing  # noqa: E402, F401
import warnings  # noqa: E402, F401
from dataclasses import dataclass  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from .protocol import (  # noqa: E402
    EXCHANGE_SIZE,
    body_parts,
    decode_arrays,
    decode_p,
    exchange_length,
    frame,
    size_of,
    unpack_header,
    via_exchange,
)

NOBODY = 65534
MAX_RESULT_BYTES = 128 * 2**20

# Bound when the fork server preloads this module, before any submission code runs: a submission
# may rebind builtins.isinstance/type or np.ndarray/np.array_equal in its process, not these names.
# (Patching this module itself could still misreport a result's type, never its values.)
_type, _issubclass = type, issubclass
_NDARRAY, _GENERIC, _UINT8, _asarray = np.ndarray, np.generic, np.dtype(np.uint8), np.asarray


@dataclass(frozen=True)
class ChildSpec:
    """What the parent tells a child: where the code is and how to confine it."""

    workdir: str
    submission_dir: str
    entry: str
    attr: str
    output_file: str
    exchange_file: str
    memory: int
    cpu_seconds: int
    file_size: int
    processes: int
    drop_privileges: bool


def confine(spec: ChildSpec, keep_fd: int) -> mmap.mmap | None:
    """Limits, a new session, an empty folder, no privileges, no inherited files, no environment.

    Returns the exchange file mapped in memory (its descriptor closed, its name unlinked by the
    parent once this child is ready), or None where it cannot be mapped: then all goes by socket.
    """
    os.setsid()
    out = os.open(spec.output_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(out, 1)
    os.dup2(out, 2)
    for fd in (out, null):
        if fd > 2 and fd != keep_fd:
            os.close(fd)
    os.closerange(3, keep_fd)
    os.closerange(keep_fd + 1, 65536)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an output flood fails a write, it does not kill
    try:  # opened while still privileged: the file is the parent's, mode 0600
        fd = os.open(spec.exchange_file, os.O_RDWR | os.O_NOFOLLOW)
        try:
            exchange: mmap.mmap | None = mmap.mmap(fd, EXCHANGE_SIZE)
        finally:
            os.close(fd)
    except (OSError, ValueError):
        exchange = None
    for limit, value in (
        (resource.RLIMIT_AS, spec.memory),
        (resource.RLIMIT_CPU, spec.cpu_seconds),
        (resource.RLIMIT_FSIZE, spec.file_size),
        (resource.RLIMIT_CORE, 0),
    ):
        resource.setrlimit(limit, (value, value))
    if spec.drop_privileges:
        os.chown(spec.workdir, NOBODY, NOBODY)
        os.chown(spec.output_file, NOBODY, NOBODY)
        resource.setrlimit(resource.RLIMIT_NPROC, (spec.processes, spec.processes))
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)
    os.chdir(spec.workdir)
    os.environ.clear()
    os.environ.update({"PATH": "/usr/bin:/bin", "HOME": spec.workdir, "LANG": "C.UTF-8", "OPENBLAS_NUM_THREADS": "1"})
    sys.path.insert(0, spec.submission_dir)
    return exchange


@functools.cache
def privileges_can_be_dropped() -> bool:
    """Root can become 'nobody' only if 'nobody' can still read this Python: every folder above
    the standard library and numpy must be searchable by others."""
    if os.geteuid() != 0:
        return False
    for path in (os.path.dirname(os.__file__), os.path.dirname(np.__file__), os.path.realpath(sys.executable)):
        parts = os.path.abspath(path).split(os.sep)
        for i in range(2, len(parts) + 1):
            folder = os.sep.join(parts[:i])
            if os.path.isdir(folder) and not os.stat(folder).st_mode & 0o001:
                return False
    return True


def load(spec: ChildSpec) -> Any:
    path = os.path.join(spec.submission_dir, spec.entry)
    module_spec = importlib.util.spec_from_file_location("submission", path)
    if module_spec is None or module_spec.loader is None:
        raise ImportError(f"cannot load {spec.entry}")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules["submission"] = module
    module_spec.loader.exec_module(module)
    return getattr(module, spec.attr)


def error_reply(exc: BaseException) -> dict[str, Any]:
    names = [k.__name__ for k in type(exc).__mro__]
    return {"ok": False, "error": type(exc).__name__, "mro": names, "message": str(exc)[:500]}


def send(conn: Any, exchange: mmap.mmap | None, header: dict[str, Any], arrays: list[np.ndarray] | None = None) -> None:
    """Reply with ``header`` and ``arrays``: a large body through the exchange file, the rest by socket."""
    parts = body_parts(arrays or [])
    size = size_of(parts)
    if exchange is not None and via_exchange(size):
        pos = 0
        for part in parts:
            n = memoryview(part).nbytes
            exchange[pos : pos + n] = part
            pos += n
        header, parts = {**header, "exchange": size}, []
    conn.send_bytes(frame(header, parts))


def result_reply(result: Any, given: np.ndarray | None, before: np.ndarray | None) -> tuple[dict[str, Any], list[np.ndarray]]:
    """Describe a return value; arrays travel as .npy, anything else only by its type's name."""
    kind = _type(result)
    header: dict[str, Any] = {"ok": True, "same_input": given is not None and result is given}
    arrays = []
    if kind is _NDARRAY and result.dtype.kind in "biufc" and result.nbytes <= MAX_RESULT_BYTES:
        header["kind"] = "ndarray"
        arrays.append(result)
    elif _issubclass(kind, _GENERIC) and _asarray(result).dtype.kind in "biufc":
        header["kind"] = "scalar"
        arrays.append(_asarray(result))
    else:
        header["kind"] = "other"
        header["type"] = f"ndarray[{result.dtype}]" if kind is _NDARRAY else str(kind.__name__)[:100]
    if given is not None and before is not None and _changed(given, before):
        header["input_changed"] = True
        arrays.append(given)
    return header, arrays


def _changed(given: np.ndarray, before: np.ndarray) -> bool:
    """Did the layer write to its input? Only ndarray's own (C, unpatchable) methods decide."""
    if given.shape != before.shape or given.dtype != before.dtype:
        return True
    try:  # bytewise, so a NaN is equal to itself; a view needs a C-contiguous last axis
        return bool((given.view(_UINT8) != before.view(_UINT8)).any())
    except ValueError:
        return given.tobytes() != before.tobytes()


def serve(conn: Any, factory: Any, exchange: mmap.mmap | None) -> None:
    layers: dict[int, Any] = {}
    while True:
        try:
            message = conn.recv_bytes()
        except EOFError:
            return
        header, body = unpack_header(message)
        length = exchange_length(header, body)
        if length is not None and exchange is not None:
            body = memoryview(exchange)[:length]
        op = header["op"]
        arrays: list[np.ndarray] = []
        if "seed" in header:  # the grader's reseed travels with the first call after it: no round trip of its own
            try:
                np.random.seed(header["seed"])
                random.seed(header["seed"])
            except BaseException:  # noqa: BLE001 - a submission that patched the generators
                send(conn, exchange, {"ok": False, "seed_failed": True})
                continue
        try:
            if op == "construct":
                layers[header["handle"]] = factory(decode_p(header["p"]))
                reply: dict[str, Any] = {"ok": True}
            elif op in ("forward", "backward"):
                (given,) = decode_arrays(body, 1)
                before = given.copy(order="K")
                layer = layers[header["handle"]]
                if op == "forward":
                    result = layer.forward(given, *header.get("args", []), **header.get("kwargs", {}))
                else:
                    result = layer.backward(given)
                reply, arrays = result_reply(result, given, before)
            else:
                reply = {"ok": False, "error": "ProtocolError", "mro": [], "message": f"unknown op {op}"}
        except BaseException as exc:  # noqa: BLE001 - SystemExit and KeyboardInterrupt too: all are answers
            reply, arrays = error_reply(exc), []
        send(conn, exchange, reply, arrays)


def main(conn: Any, spec: ChildSpec) -> None:
    """Entry point of a sandboxed child (started by the fork server)."""
    exchange = None
    try:
        exchange = confine(spec, conn.fileno())
        factory = load(spec)
    except BaseException as exc:  # noqa: BLE001 - reported to the parent as the import's failure
        send(conn, None, error_reply(exc))
        return
    if not callable(factory):
        send(conn, None, {"ok": False, "error": "TypeError", "mro": [], "message": f"{spec.attr} is not callable"})
        return
    send(conn, None, {"ok": True, "ready": True, "mapped": exchange is not None})
    serve(conn, factory, exchange)
