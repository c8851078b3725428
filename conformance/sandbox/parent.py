"""The parent side of the sandbox: an implementation whose layers live in a child process.

:class:`SandboxedFactory` is an :class:`~dropout_conformance.implementation.Implementation`, so the suite's own checks
drive a sandboxed submission. Children come from a fork server with numpy preloaded (milliseconds to start). Every
reply is decoded by :mod:`.protocol` into plain arrays or a type name; verdicts are computed here, never there."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import select
import shutil
import signal
import socket
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..implementation import ForeignValue, Implementation, ProcessFailure
from ..seeding import BUILTIN
from . import child, confine, server
from .channel import Channel, ChannelClosed, ChannelOverflow, ChannelTimeout, Output
from .intake import take_in
from .integrity import ImportPolicy
from .isolation import Isolation, read_only_paths
from .protocol import (
    EXCHANGE_SIZE,
    MAX_MESSAGE,
    ProtocolError,
    body_parts,
    decode_arrays,
    encode_p,
    exchange_length,
    frame,
    remote_exception,
    size_of,
    unpack_header,
    via_exchange,
)

OUTPUT_CAP = 64 * 1024


@dataclass(frozen=True)
class Limits:
    call_timeout: float = 10.0
    submission_timeout: float = 120.0
    memory: int = 2 * 2**30
    file_size: int = 4 * 2**20
    work_size: int = 64 * 2**20
    """Bytes the sandbox may write in its private folder, all files together (level namespaces)."""
    processes: int = 64
    isolation: Isolation | None = None
    """The level to confine at; required by SandboxedFactory (the grader and pytest probe it once)."""
    temp_root: str | None = None
    """The folder sandboxes make their own folders in (the grader's private batch folder)."""


class SandboxError(ProcessFailure):
    """Something the submission's process did that ends the current call (crash, timeout, garbage).
    Its text is the kit's: it never quotes what the child sent."""


class SetupFailed(SandboxError):
    """The sandbox could not be confined as asked (a kernel call was refused): the machine's fault,
    not the submission's. ``detail`` names the call; it is read by the probe, never shown as a reason."""

    def __init__(self, detail: str) -> None:
        super().__init__("the sandbox could not be set up on this machine")
        self.detail = detail


class CallTimeout(SandboxError):
    """One call ran past the per-call limit; the child was killed."""


class SubmissionTimeout(SandboxError):
    """The whole submission ran out of time: nothing more of it is run."""


class SandboxedFactory(Implementation):
    """An implementation backed by a sandboxed child; restarts the child after a crash."""

    def __init__(self, source: Path, entry: str, attr: str, limits: Limits, policy: ImportPolicy | None = None,
                 convention: str = "") -> None:
        self.source, self.entry, self.attr, self.limits = source, entry, attr, limits
        self.policy = policy or ImportPolicy()  # what the submission may not import: the grader's rubric decides
        self.convention = convention  # the kit's convention the child builds layers through (function-pair=keep), or ""
        if limits.isolation is None:
            raise ValueError("Limits.isolation is required: the caller probes (dropout_conformance.sandbox.probe.best())")
        self.isolation = limits.isolation
        self._deadline = time.monotonic() + limits.submission_timeout
        self.tmp = Path(tempfile.mkdtemp(prefix="dropout-grade-", dir=limits.temp_root))
        os.chmod(self.tmp, 0o711)  # level uid: its own uid must reach its folders (their names are random)
        self.code: Path | None = None
        self.keeper: tuple[int, int] | None = None
        """The sandbox's keeper: pid and pidfd."""
        self.channel: Channel | None = None
        self.exchange: int | None = None
        """Descriptor of the file shared with the child for large bodies (None: all goes by socket)."""
        self.next_handle = 0
        self.generation = 0
        self.captured = Output(OUTPUT_CAP)
        self.seed_value: int | None = None
        self.seed_sent = False
        self._status: int | None = None
        """The last sandbox's wait status, once stopped."""

    # ---------------------------------------------------------------- lifecycle
    def start(self) -> None:
        """(Re)start the child: the one copy of the submission, a fresh empty working folder."""
        self.stop()
        self.generation += 1
        if self.code is None:  # raises Refused, before any process exists
            take_in(self.source, self.tmp / "submission", self.entry)
            self.code = self.tmp / "submission"
        run = self.tmp / f"run{self.generation}"
        work, root = run / "work", run / "root"
        for folder in (run, work, root):
            folder.mkdir(mode=0o711)
        iso = self.isolation
        spec = child.ChildSpec(
            workdir=str(work), submission_dir=str(self.code), entry=self.entry, attr=self.attr,
            exchange_file=str(run / "exchange"), root_dir=str(root), read_paths=read_only_paths(),
            memory=self.limits.memory, cpu_seconds=max(1, int(self.limits.submission_timeout) + 1),
            file_size=self.limits.file_size, work_size=self.limits.work_size, processes=self.limits.processes,
            level=iso.level, user_namespace=iso.user_namespace, landlock=iso.landlock, cgroup=iso.cgroup,
            cgroup_group=confine.cgroup_group(self.limits.temp_root), forbid_names=list(self.policy.names),
            forbid_paths=dict(self.policy.paths), forbid_digests=dict(self.policy.digests), convention=self.convention,
        )
        self.exchange = _create_exchange(spec.exchange_file)
        ours, theirs = socket.socketpair()
        out_ours, out_theirs = socket.socketpair()
        try:
            self.keeper = server.client().spawn(dataclasses.asdict(spec), [theirs.fileno(), out_theirs.fileno()])
        except server.ForkServerDied as exc:
            server.forget()
            ours.close()
            out_ours.close()
            raise SandboxError(f"the sandbox could not be started: {exc}") from None
        finally:
            theirs.close()
            out_theirs.close()
        self.channel = Channel(ours, out_ours, self.captured)
        if self.generation == 1:  # the first start may wait for the fork server: the grader's time
            self._deadline = time.monotonic() + self.limits.submission_timeout
        try:
            header, _ = self._receive("importing the submission")
        finally:  # mapped or not, the file's name goes: no other process can open it from now on
            with contextlib.suppress(FileNotFoundError):
                os.unlink(spec.exchange_file)
        if header.get("mapped") is not True and self.exchange is not None:
            os.close(self.exchange)
            self.exchange = None
        if not header.get("ok"):
            raise remote_exception(header)
        self.seed_sent = False  # a new child: the latest seed goes with its first call

    def stop(self) -> None:
        """End the sandbox: its keeper kills every process in it, then exits. Never raises."""
        if self.keeper is not None:
            pid, pidfd = self.keeper
            self._status = _end(pid, pidfd)
            os.close(pidfd)
            self.keeper = None
            if self.isolation.cgroup:
                confine.remove_cgroups(confine.cgroup_group(self.limits.temp_root), pid)
        if self.channel is not None:
            self.channel.drain()
            self.channel.close()
            self.channel = None
        if self.exchange is not None:
            os.close(self.exchange)
            self.exchange = None
        run = self.tmp / f"run{self.generation}"
        if self.generation and run.exists():
            shutil.rmtree(run, ignore_errors=True)

    @property
    def deadline(self) -> float:
        return self._deadline

    @property
    def p_note(self) -> str | None:
        from ..conventions import sandboxed

        return sandboxed(self.convention)[0].p_note(sandboxed(self.convention)[1].arg) if self.convention else None

    @property
    def output(self) -> str:
        """What the submission printed, capped (with a note when something was dropped); paths in its
        copy read ``submission/...``, the same in every run (warnings print them)."""
        return self.captured.text().replace(str(self.tmp / "submission"), "submission").replace(str(self.tmp), "sandbox")

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # ---------------------------------------------------------------- calls
    def _call_deadline(self) -> tuple[float, bool]:
        """When the current call must be done, and whether that is the submission's whole limit."""
        now = time.monotonic()
        if self._deadline - now <= 0:
            self.stop()
            raise SubmissionTimeout(f"the submission used up its {self.limits.submission_timeout:g} s time limit")
        if self._deadline - now < self.limits.call_timeout:
            return self._deadline, True
        return now + self.limits.call_timeout, False

    def _timed_out(self, what: str, whole: bool) -> SandboxError:
        self.stop()
        if whole:
            return SubmissionTimeout(f"the submission used up its {self.limits.submission_timeout:g} s time limit")
        return CallTimeout(f"{what} did not return within {self.limits.call_timeout:g} s (infinite loop?)")

    def _died(self, what: str) -> SandboxError:
        self.stop()
        return SandboxError(f"{what}: the submission's process died ({_describe_exit(self._status)})")

    def _receive(self, what: str, deadline: tuple[float, bool] | None = None) -> tuple[dict[str, Any], memoryview]:
        when, whole = deadline or self._call_deadline()
        assert self.channel is not None
        try:
            message = self.channel.recv(MAX_MESSAGE, when)
        except ChannelTimeout:
            raise self._timed_out(what, whole) from None
        except ChannelClosed:
            raise self._died(what) from None
        except ChannelOverflow:
            self.stop()
            raise SandboxError(f"{what}: the submission sent more than {MAX_MESSAGE} bytes") from None
        try:
            header, body = unpack_header(message)
            length = exchange_length(header, memoryview(body))
            if length is not None:
                body = self._read_exchange(length)
        except ProtocolError as exc:
            self.stop()
            raise SandboxError(f"{what}: the submission's process sent garbage ({exc})") from None
        if header.get("setup_failed") is True:
            self.stop()
            raise SetupFailed(str(header.get("detail", ""))[:300])
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

    def _send(self, header: dict[str, Any], arrays: tuple[np.ndarray, ...], deadline: float) -> None:
        parts = body_parts(arrays)
        size = size_of(parts)
        if self.exchange is not None and via_exchange(size) and self._write_exchange(parts):
            header, parts = {**header, "exchange": size}, []
        assert self.channel is not None
        self.channel.send(frame(header, parts), deadline)

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
        if self.channel is None:
            raise SandboxError("the submission's process is gone")
        if not self.seed_sent and self.seed_value is not None:
            header = {**header, "seed": self.seed_value}
        deadline = self._call_deadline()  # one deadline for the whole call: sending, running, replying
        try:
            self._send(header, arrays, deadline[0])
        except ChannelTimeout:
            raise self._timed_out(what, deadline[1]) from None
        except ChannelClosed:
            raise self._died(what) from None
        self.seed_sent = True
        reply, body = self._receive(what, deadline)
        if reply.get("seed_failed") is True:
            raise SandboxError(f"{what}: reseeding the submission's numpy and random generators before it failed")
        if not reply.get("ok"):
            raise remote_exception(reply)
        return reply, body

    def reseed(self, seed: int) -> tuple[str, ...]:
        """Reseed the child's numpy and random globals (reproducible np.random use): the seed goes
        with the next call, which is the first chance any submission code has to draw. A submission
        imports nothing but the standard library and numpy, so these are all it can draw from."""
        self.seed_value, self.seed_sent = seed, False
        return BUILTIN

    def build(self, p: Any) -> RemoteLayer:
        if self.channel is None:
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
        if f.generation != self.generation or f.channel is None:
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


def _end(pid: int, pidfd: int) -> int | None:
    """Ask a keeper to end its sandbox (SIGTERM), or kill it if it does not within 5 s; its wait status."""
    for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError, OSError):
            signal.pidfd_send_signal(pidfd, sig)
        if select.select([pidfd], [], [], wait)[0]:
            break
    try:
        return server.client().status(pid, 2.0)
    except server.ForkServerDied:
        server.forget()
        return None


def _describe_exit(status: int | None) -> str:
    """A wait status in words."""
    if status is None:
        return "no exit status"
    if os.WIFSIGNALED(status):
        try:
            return f"killed by {signal.Signals(os.WTERMSIG(status)).name}"
        except ValueError:
            return f"killed by signal {os.WTERMSIG(status)}"
    return f"exit status {os.WEXITSTATUS(status)}"
