"""The parent side of the sandbox: an implementation whose layers live in a child process.

:class:`SandboxedFactory` is an :class:`~dropout_conformance.implementation.Implementation`, so
the very same checks that the pytest suite runs drive a sandboxed submission. Children come from a fork server that has
numpy preloaded, so starting one costs milliseconds. Every reply is decoded by
:mod:`.protocol` into plain arrays or a type name; verdicts are computed here, never there.
"""

from __future__ import annotations

import builtins
import contextlib
import multiprocessing
import os
import shutil
import signal
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..implementation import ForeignValue, Implementation, ProcessFailure
from . import child
from .protocol import (
    EXCHANGE_SIZE,
    MAX_MESSAGE,
    ProtocolError,
    body_parts,
    decode_arrays,
    encode_p,
    exchange_length,
    frame,
    size_of,
    unpack_header,
    via_exchange,
)

OUTPUT_CAP = 64 * 1024
COPY_CAP = 16 * 2**20


@dataclass(frozen=True)
class Limits:
    call_timeout: float = 10.0
    submission_timeout: float = 120.0
    memory: int = 2 * 2**30
    file_size: int = 4 * 2**20
    processes: int = 64


class SandboxError(ProcessFailure):
    """Something the submission's process did that ends the current call (crash, timeout, garbage).
    Its text is the kit's: it never quotes what the child sent."""


class CallTimeout(SandboxError):
    """One call ran past the per-call limit; the child was killed."""


class SubmissionTimeout(SandboxError):
    """The whole submission ran out of time: nothing more of it is run."""


class RemoteError(Exception):
    """An exception raised in the sandbox whose type is not a builtin: carries its name."""


def remote_exception(header: dict[str, Any]) -> Exception:
    """Rebuild an exception of the nearest builtin type (ValueError stays ValueError), never a BaseException."""
    message = f"{str(header.get('error', '?'))[:100]}: {str(header.get('message', ''))[:500]}"  # as the child caps them
    mro = header.get("mro")
    for name in mro if isinstance(mro, list) else []:
        if not isinstance(name, str):
            continue
        cls = getattr(builtins, name, None)
        if isinstance(cls, type) and issubclass(cls, Exception) and cls is not Exception:
            try:
                return cls(message)
            except Exception:  # noqa: BLE001 - builtins with odd constructors
                break
    return RemoteError(message)


_CONTEXT: Any = None


def context() -> Any:
    """One fork server per grader process, preloaded with numpy through the child module."""
    global _CONTEXT
    if _CONTEXT is None:
        _CONTEXT = multiprocessing.get_context("forkserver")
        _CONTEXT.set_forkserver_preload([child.__name__])
    return _CONTEXT


class SandboxedFactory(Implementation):
    """An implementation backed by a sandboxed child; restarts the child after a crash."""

    def __init__(self, source: Path, entry: str, attr: str, limits: Limits) -> None:
        self.source, self.entry, self.attr, self.limits = source, entry, attr, limits
        self._deadline = time.monotonic() + limits.submission_timeout
        self.tmp = Path(tempfile.mkdtemp(prefix="dropout-grade-"))
        self.proc: Any = None
        self.conn: Any = None
        self.exchange: int | None = None
        """Descriptor of the file shared with the child for large bodies (None: all goes by socket)."""
        self.next_handle = 0
        self.generation = 0
        self.output = b""
        self.seed_value: int | None = None
        self.seed_sent = False

    # ---------------------------------------------------------------- lifecycle
    def start(self) -> None:
        """(Re)start the child: fresh copy of the submission, fresh empty working folder."""
        self.stop()
        self.generation += 1
        run = self.tmp / f"run{self.generation}"
        code, work = run / "submission", run / "work"
        if self.source.is_dir():
            shutil.copytree(self.source, code, ignore=_copy_filter)
        else:
            code.mkdir(parents=True)
            shutil.copy(self.source, code / self.entry)
        work.mkdir()
        for folder in (self.tmp, run):
            os.chmod(folder, 0o755)  # traversable by the unprivileged user the child becomes
        spec = child.ChildSpec(
            workdir=str(work),
            submission_dir=str(code),
            entry=self.entry,
            attr=self.attr,
            output_file=str(run / "output.txt"),
            memory=self.limits.memory,
            cpu_seconds=max(1, int(self.limits.submission_timeout) + 1),
            file_size=self.limits.file_size,
            processes=self.limits.processes,
            drop_privileges=child.privileges_can_be_dropped(),
            exchange_file=str(run / "exchange"),
        )
        self.exchange = _create_exchange(spec.exchange_file)
        ctx = context()
        parent_end, child_end = ctx.Pipe(duplex=True)
        self.proc = ctx.Process(target=child.main, args=(child_end, spec), daemon=True)
        self.proc.start()  # the first start in a process also starts the fork server (numpy import)
        if self.generation == 1:  # ...which is the grader's time, not the submission's
            self._deadline = time.monotonic() + self.limits.submission_timeout
        child_end.close()
        self.conn = parent_end
        self.output_file = run / "output.txt"
        try:
            header, _ = self._receive("importing the submission")
        finally:  # mapped or not, the file's name goes: no other process can open it from now on
            with contextlib.suppress(FileNotFoundError):  # unless a submission running as root removed it first
                os.unlink(spec.exchange_file)
        if header.get("mapped") is not True and self.exchange is not None:
            os.close(self.exchange)
            self.exchange = None
        if not header.get("ok"):
            raise remote_exception(header)
        self.seed_sent = False  # a new child: the latest seed goes with its first call

    def stop(self) -> None:
        if self.proc is not None:
            try:
                # the whole group even when its leader has exited: a process it forked would live on
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                if self.proc.is_alive():
                    self.proc.kill()
            self.proc.join(5)
            self._collect_output()
            self.proc = None
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        if self.exchange is not None:
            os.close(self.exchange)
            self.exchange = None

    @property
    def deadline(self) -> float:
        return self._deadline

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _collect_output(self) -> None:
        try:
            with open(self.output_file, "rb") as fh:
                self.output += fh.read(max(0, OUTPUT_CAP - len(self.output)))
        except (OSError, AttributeError):
            pass

    # ---------------------------------------------------------------- calls
    def _receive(self, what: str) -> tuple[dict[str, Any], memoryview]:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            self.stop()
            raise SubmissionTimeout(f"the submission used up its {self.limits.submission_timeout:g} s time limit")
        wait = min(self.limits.call_timeout, remaining)
        if not self.conn.poll(wait):
            self.stop()
            if wait < self.limits.call_timeout:
                raise SubmissionTimeout(f"the submission used up its {self.limits.submission_timeout:g} s time limit")
            raise CallTimeout(f"{what} did not return within {self.limits.call_timeout:g} s (infinite loop?)")
        try:
            message = self.conn.recv_bytes(MAX_MESSAGE)
        except (EOFError, OSError) as exc:
            self.proc.join(2)
            code = self.proc.exitcode
            self.stop()
            if isinstance(exc, OSError) and not isinstance(exc, EOFError) and code is None:
                raise SandboxError(f"{what}: the submission sent more than {MAX_MESSAGE} bytes") from None
            raise SandboxError(f"{what}: the submission's process died ({_describe_exit(code)})") from None
        try:
            header, body = unpack_header(message)
            length = exchange_length(header, body)
            if length is not None:
                body = self._read_exchange(length)
        except ProtocolError as exc:
            self.stop()
            raise SandboxError(f"{what}: the submission's process sent garbage ({exc})") from None
        return header, body

    def _read_exchange(self, length: int) -> memoryview:
        """A body the child wrote to the exchange file, copied out (never mapped here: a parent's
        mapping could fault if the file changed under it)."""
        if self.exchange is None:
            raise ProtocolError("a body announced in an exchange file this sandbox does not have")
        view = memoryview(bytearray(length))
        got = 0
        while got < length:
            n = os.preadv(self.exchange, [view[got:]], got)
            if n <= 0:
                raise ProtocolError("the exchange file is shorter than announced")
            got += n
        return view

    def _send(self, header: dict[str, Any], arrays: tuple[np.ndarray, ...]) -> None:
        parts = body_parts(arrays)
        size = size_of(parts)
        if self.exchange is not None and via_exchange(size) and self._write_exchange(parts):
            header, parts = {**header, "exchange": size}, []
        self.conn.send_bytes(frame(header, parts))

    def _write_exchange(self, parts: list[Any]) -> bool:
        """Write a body to the exchange file; False if the file system refused (then it goes by socket)."""
        assert self.exchange is not None
        offset = 0
        try:
            for part in parts:
                view = memoryview(part).cast("B")
                while view:
                    n = os.pwrite(self.exchange, view, offset)
                    offset, view = offset + n, view[n:]
        except OSError:
            return False
        return True

    def request(self, what: str, header: dict[str, Any], *arrays: np.ndarray) -> tuple[dict[str, Any], memoryview]:
        if self.conn is None:
            raise SandboxError("the submission's process is gone")
        if not self.seed_sent and self.seed_value is not None:
            header = {**header, "seed": self.seed_value}
        try:
            self._send(header, arrays)
        except (BrokenPipeError, OSError):
            self.stop()
            raise SandboxError(f"{what}: the submission's process died") from None
        self.seed_sent = True
        reply, body = self._receive(what)
        if reply.get("seed_failed") is True:
            raise SandboxError(f"{what}: reseeding the submission's numpy and random generators before it failed")
        if not reply.get("ok"):
            raise remote_exception(reply)
        return reply, body

    def reseed(self, seed: int) -> None:
        """Reseed the child's numpy and random globals (reproducible np.random use): the seed goes
        with the next call, which is the first chance any submission code has to draw."""
        self.seed_value, self.seed_sent = seed, False

    def build(self, p: Any) -> RemoteLayer:
        if self.conn is None:
            self.start()
        self.next_handle += 1
        self.request(f"DropoutLayer({p!r})", {"op": "construct", "handle": self.next_handle, "p": encode_p(p)})
        return RemoteLayer(self, self.next_handle, self.generation)


class RemoteLayer:
    """A layer living in the sandbox; forward and backward ship arrays there and results back."""

    def __init__(self, factory: SandboxedFactory, handle: int, generation: int) -> None:
        self.factory, self.handle, self.generation = factory, handle, generation

    def _call(self, op: str, given: Any, args: tuple[Any, ...] = (), kwargs: dict[str, Any] | None = None) -> Any:
        f = self.factory
        if f.generation != self.generation or f.conn is None:
            raise SandboxError(f"{op}: the submission's process was restarted after a crash; this layer is gone")
        arr = np.asarray(given)
        header = {"op": op, "handle": self.handle, "args": list(args), "kwargs": kwargs or {}}
        reply, body = f.request(op, header, arr)
        try:
            count = int(reply.get("kind") in ("ndarray", "scalar")) + int(bool(reply.get("input_changed")))
            arrays = decode_arrays(body, count)
        except ProtocolError as exc:
            f.stop()
            raise SandboxError(f"{op}: the submission's process sent garbage ({exc})") from None
        if reply.get("input_changed") and isinstance(given, np.ndarray):
            changed = arrays.pop()
            if changed.shape == given.shape:
                given[...] = changed  # mirror an in-place write, so mutation checks see it
        if reply.get("same_input"):
            return given
        kind = reply.get("kind")
        if kind == "ndarray":
            return arrays[0]
        if kind == "scalar":
            return arrays[0][()]
        return ForeignValue(str(reply.get("type", "object"))[:100])

    def forward(self, x: Any, *args: Any, **kwargs: Any) -> Any:
        return self._call("forward", x, args, kwargs)

    def backward(self, grad: Any) -> Any:
        return self._call("backward", grad)


def _create_exchange(path: str) -> int | None:
    """The exchange file, its storage reserved up front: a child writing through its mapping into a
    page the file system cannot supply would die of SIGBUS, blamed on the student. None (all by
    socket) where the space cannot be reserved; the child then finds no file and maps nothing."""
    if not hasattr(os, "posix_fallocate"):
        return None
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
    try:
        os.posix_fallocate(fd, 0, EXCHANGE_SIZE)
    except OSError:
        os.close(fd)
        os.unlink(path)
        return None
    return fd


def _copy_filter(directory: str, names: list[str]) -> list[str]:
    """Skip caches and anything huge when copying a submission into its sandbox."""
    skip = []
    for name in names:
        path = os.path.join(directory, name)
        if name in ("__pycache__", ".git") or (os.path.isfile(path) and os.path.getsize(path) > COPY_CAP):
            skip.append(name)
    return skip


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "no exit status"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"
