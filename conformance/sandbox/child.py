"""The sandboxed side: import one submission and execute the calls the grader asks for.

This module is the fork server's preload: it pins numerical libraries to one thread *before*
numpy is imported, so forking a child from the server is safe and cheap. Everything here runs
with the submission's privileges and limits; nothing here decides a verdict.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import abc  # noqa: E402, F401 - preloaded, so a submission's first use costs nothing
import builtins  # noqa: E402
import collections  # noqa: E402, F401
import copy  # noqa: E402, F401
import dataclasses  # noqa: E402, F401
import enum  # noqa: E402, F401
import functools  # noqa: E402
import importlib.util  # noqa: E402
import itertools  # noqa: E402, F401
import linecache  # noqa: E402 - for the line that raised (the sandbox may not be able to import it later)
import math  # noqa: E402, F401
import mmap  # noqa: E402
import numbers  # noqa: E402, F401
import operator  # noqa: E402, F401
import random  # noqa: E402
import secrets  # noqa: E402, F401
import signal  # noqa: E402, F401
import socket  # noqa: E402
import stat  # noqa: E402
import sys  # noqa: E402
import typing  # noqa: E402, F401
import warnings  # noqa: E402, F401
from dataclasses import dataclass  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import numpy.lib.format  # noqa: E402, F401 - the wire format's; the sandbox may not be able to import it later

from .. import conventions  # noqa: E402
from . import confine, integrity  # noqa: E402
from .channel import recv_frame, send_frame  # noqa: E402
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

MAX_RESULT_BYTES = 128 * 2**20
conventions.builtin()  # imported now: the kit's own files may not be readable once confined

# Bound when the fork server preloads this module, before any submission code runs: a submission
# may rebind builtins.isinstance/type or np.ndarray/np.array_equal in its process, not these names.
# (Patching this module itself could still misreport a result's type, never its values.)
_type, _issubclass, _str = type, issubclass, str
# An exception's own traceback and a group's members, read through BaseException's getters (C code
# a subclass's property of the same name never replaces). Groups are builtin from Python 3.11.
_TRACEBACK = vars(BaseException)["__traceback__"].__get__
_GROUP: Any = getattr(builtins, "BaseExceptionGroup", None)
_GROUP_MEMBERS = vars(_GROUP)["exceptions"].__get__ if _GROUP is not None else None
_GROUP_MESSAGE = vars(_GROUP)["message"].__get__ if _GROUP is not None else None
_NO_TEXT = "(its text could not be read)"
_KIT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_LIBRARY_DIRS = (os.path.dirname(np.__file__) + os.sep, os.path.dirname(os.__file__) + os.sep, "<frozen ")
_NDARRAY, _GENERIC, _UINT8, _asarray = np.ndarray, np.generic, np.dtype(np.uint8), np.asarray


@dataclass(frozen=True)
class ChildSpec:
    """What the parent tells a sandbox: where the code is and how to confine it (sent as JSON)."""

    workdir: str
    submission_dir: str
    entry: str
    attr: str
    exchange_file: str
    root_dir: str
    read_paths: list[str]
    memory: int
    cpu_seconds: int
    file_size: int
    work_size: int
    processes: int
    level: str
    user_namespace: bool
    landlock: int
    cgroup: bool
    cgroup_group: str
    forbid_names: list[str]
    """The integrity policy (:mod:`.integrity`), decided by the grader: packages refused by name,"""
    forbid_paths: dict[str, str]
    """their files (real path -> package),"""
    forbid_digests: dict[str, str]
    """and the SHA-256 of the kit's own source files (-> package)."""
    convention: str = ""
    """The kit's convention the submission is written in (``function-pair=keep``), or "" for a class or factory."""


def map_exchange(path: str) -> mmap.mmap | None:
    """The exchange file mapped in memory (opened while the keeper still sees the grader's folders;
    its name is unlinked by the parent once the worker is ready), or None: then all goes by socket."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_NOFOLLOW)
        try:
            return mmap.mmap(fd, EXCHANGE_SIZE)
        finally:
            os.close(fd)
    except (OSError, ValueError):
        return None


def load(spec: ChildSpec, adapter: tuple[conventions.Convention, conventions.Parsed] | None = None) -> Any:
    """The submission's factory: its attribute, or its code through ``adapter`` (the kit's convention,
    resolved before the integrity policy took the kit's modules out of reach)."""
    path = os.path.join(spec.submission_dir, spec.entry)
    module_spec = importlib.util.spec_from_file_location("submission", path)
    if module_spec is None or module_spec.loader is None:
        raise ImportError(f"cannot load {spec.entry}")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules["submission"] = module
    module_spec.loader.exec_module(module)
    if adapter is None:
        return getattr(module, spec.attr)
    conv, parsed = adapter  # the adapter runs here, beside the code it wraps
    return conv.adapt(module if conv.target == "module" else getattr(module, spec.attr), parsed.arg)


def error_reply(exc: BaseException) -> dict[str, Any]:
    """An exception as the parent's answer. ``error``, ``mro`` and ``message`` are the exception's
    own (the parent rebuilds the nearest builtin type from them, so what is shown never changes a
    verdict); ``said_type`` and ``said_text`` are what to show, for a group its first leaf with a
    note; ``where`` is the line that raised it. Never raises, whatever the exception does."""
    try:
        names = [_plain(k.__name__, 100) for k in _type(exc).__mro__][:64]
    except BaseException:  # noqa: BLE001 - a metaclass's doing
        names = ["?"]
    reply = {"ok": False, "error": names[0], "mro": names, "message": _text_of(exc, 500)}
    try:
        leaf, count = _first_leaf(exc)
        text = _text_of(leaf, 500)
        if leaf is not exc:
            group = f"{names[0]} {_plain(_GROUP_MESSAGE(exc), 60)!r}" if _GROUP_MESSAGE is not None else names[0]
            note = f"{'the only exception' if count == 1 else f'first of {count} exceptions'} in {group}"
            text = f"{text} ({note})" if text.strip() else f"(no message; {note})"
        reply.update(said_type=_plain(_type(leaf).__name__, 100), said_text=text)
        reply["where"] = _raising_line(_TRACEBACK(leaf) or _TRACEBACK(exc))
    except BaseException:  # noqa: BLE001 - the parent falls back to error and message
        pass
    return reply


def _plain(value: Any, limit: int) -> str:
    """An exact str of at most ``limit`` characters (a str subclass's overrides never run), or a placeholder."""
    return _str.__str__(value)[:limit] if _issubclass(_type(value), _str) else _NO_TEXT


def _text_of(exc: BaseException, limit: int) -> str:
    try:
        return _plain(_str(exc), limit)
    except BaseException:  # noqa: BLE001 - a __str__ that raises, or returns something else
        return _NO_TEXT


def _first_leaf(exc: BaseException) -> tuple[BaseException, int]:
    """The first exception at the bottom of a (nested) exception group, and how many leaves it has."""
    first, count, todo = None, 0, [exc]
    while todo and count < 10_000:
        e = todo.pop()
        members = _GROUP_MEMBERS(e) if _GROUP_MEMBERS is not None and _issubclass(_type(e), _GROUP) else ()
        if members and len(todo) < 10_000:
            todo.extend(members[::-1])
        else:
            first, count = e if first is None else first, count + 1
    return exc if first is None else first, count or 1


def _raising_line(tb: Any) -> str:
    """``file:line: source`` of the innermost frame in the submission's code (outside the kit,
    preferably outside numpy and the standard library), at most 200 characters; "" if none."""
    frames = []
    for _ in range(10_000):
        if tb is None:
            break
        filename = _plain(tb.tb_frame.f_code.co_filename, 4096)
        if not filename.startswith(_KIT_DIR):
            frames.append((filename, tb.tb_lineno))
        tb = tb.tb_next
    own = [f for f in frames if not (f[0].startswith(_LIBRARY_DIRS) and "-packages" + os.sep not in f[0])]
    if not (own or frames):
        return ""
    filename, lineno = (own or frames)[-1]
    source = ""
    try:
        if stat.S_ISREG(os.stat(filename).st_mode):  # never a FIFO or a device named as the file
            source = _plain(linecache.getline(filename, lineno), 400).strip()
    except BaseException:  # noqa: BLE001 - no source to show
        pass
    line = f"{os.path.basename(filename)}:{lineno}" + (f": {source}" if source else "")
    return line if len(line) <= 200 else line[:197] + "..."


def send(conn: socket.socket, exchange: mmap.mmap | None, header: dict[str, Any], arrays: list[np.ndarray] | None = None) -> None:
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
    send_frame(conn, frame(header, parts))


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


def serve(conn: socket.socket, factory: Any, exchange: mmap.mmap | None, me: int) -> None:
    layers: dict[int, Any] = {}
    while True:
        message = recv_frame(conn)
        if message is None:
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
        if os.getpid() != me:  # a process the submission forked came back here: only the worker answers
            os._exit(0)
        send(conn, exchange, reply, arrays)


def _worker(channel: int, output: int, spec: ChildSpec, exchange: mmap.mmap | None, uid: int) -> None:
    """The submission's own process: confined, then importing and serving until the grader hangs up."""
    conn = socket.socket(fileno=channel)
    try:
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(output, 1)
        os.dup2(output, 2)
        confine.shed(spec, uid, keep=[0, 1, 2, channel])
        adapter = conventions.sandboxed(spec.convention) if spec.convention else None
        integrity.enforce(spec.forbid_names, spec.forbid_paths, spec.forbid_digests)
    except BaseException as exc:  # noqa: BLE001 - the machine refused a step: no submission code ran
        send(conn, None, setup_failed(exc))
        return
    me = os.getpid()
    try:
        sys.path.insert(0, spec.submission_dir)
        factory = load(spec, adapter)
    except BaseException as exc:  # noqa: BLE001 - reported to the parent as the import's failure
        if os.getpid() != me:  # a process the submission forked (a fork bomb's): only the worker answers
            os._exit(1)
        send(conn, None, error_reply(exc))
        return
    if os.getpid() != me:
        os._exit(0)
    if not callable(factory):
        send(conn, None, {"ok": False, "error": "TypeError", "mro": [], "message": f"{spec.attr} is not callable"})
        return
    send(conn, None, {"ok": True, "ready": True, "mapped": exchange is not None})
    serve(conn, factory, exchange, me)


def setup_failed(exc: BaseException) -> dict[str, Any]:
    return {"ok": False, "setup_failed": True, "detail": f"{type(exc).__name__}: {exc}"[:300]}


def main(channel: int, output: int, spec: ChildSpec) -> None:
    """Entry point of a sandbox (in a process the fork server just forked): the keeper, which
    confines and supervises the worker; never returns."""
    exchange = map_exchange(spec.exchange_file)

    def refused(exc: BaseException) -> None:
        send(socket.socket(fileno=channel), None, setup_failed(exc))

    confine.keeper(spec, functools.partial(_worker, channel, output, spec, exchange), close=[channel, output],
                   refused=refused)
