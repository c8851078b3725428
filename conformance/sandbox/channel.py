"""The byte channel between the grader and a sandboxed child: length-prefixed frames on a socket.

The grader's side (:class:`Channel`) never blocks past a deadline, on a read or on a write: a
child that sends half a frame, or stops reading, costs that submission a timeout, never the batch
a hang. While it waits it drains the child's output socket into a capped buffer, so printing never
blocks or fails inside the submission; what comes past the cap is dropped and noted. The child's
side (:func:`send_frame`, :func:`recv_frame`) is plain blocking I/O.
"""

from __future__ import annotations

import select
import socket
import time

LENGTH = 8  # bytes of the little-endian length before each frame


class ChannelTimeout(Exception):
    """The deadline passed with the frame unsent or unread."""


class ChannelClosed(Exception):
    """The other side is gone (end of file, reset), mid-frame or between frames."""


class ChannelOverflow(Exception):
    """The other side announced a frame larger than allowed."""


def megabytes(n: int) -> str:
    return f"{n / 2**20:g} MB" if n >= 2**20 else f"{n / 2**10:g} KB"


class Output:
    """What the child printed: the first ``cap`` bytes, then a note that the rest was dropped."""

    def __init__(self, cap: int) -> None:
        self.cap, self.kept, self.dropped = cap, bytearray(), 0

    def add(self, data: bytes) -> None:
        room = self.cap - len(self.kept)
        self.kept += data[:room]
        self.dropped += max(0, len(data) - room)

    def text(self) -> str:
        note = f"\n[output truncated after {megabytes(self.cap)}: {self.dropped:,} more bytes dropped]\n" if self.dropped else ""
        return self.kept.decode("utf-8", "replace") + note


class Channel:
    """The grader's end: ``sock`` carries frames, ``out`` the child's stdout and stderr."""

    def __init__(self, sock: socket.socket, out: socket.socket, output: Output) -> None:
        self.sock, self.out, self.output = sock, out, output
        sock.setblocking(False)
        out.setblocking(False)
        self._out_open = True

    def _wait(self, deadline: float, *, write: bool) -> None:
        """Until ``sock`` is writable (or readable), draining output meanwhile; ChannelTimeout at the deadline."""
        want = select.POLLOUT if write else select.POLLIN
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ChannelTimeout
            poller = select.poll()
            poller.register(self.sock, want)
            if self._out_open:
                poller.register(self.out, select.POLLIN)
            ready = dict(poller.poll(max(1, int(remaining * 1000))))
            if ready.get(self.out.fileno()):
                self.drain()
            if ready.get(self.sock.fileno()):
                return  # ready, or hung up / in error: the next send or recv says which

    def drain(self) -> None:
        """Read what output is there without waiting (all of it, as far as the socket holds)."""
        while self._out_open:
            try:
                data = self.out.recv(1 << 16)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                data = b""
            if not data:
                self._out_open = False
                return
            self.output.add(data)

    def send(self, data: bytes, deadline: float) -> None:
        view = memoryview(len(data).to_bytes(LENGTH, "little") + data) if len(data) < 1 << 16 else None
        chunks = [view] if view is not None else [memoryview(len(data).to_bytes(LENGTH, "little")), memoryview(data)]
        for chunk in chunks:
            while chunk:
                self._wait(deadline, write=True)
                try:
                    n = self.sock.send(chunk)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    raise ChannelClosed from None
                chunk = chunk[n:]

    def recv(self, limit: int, deadline: float) -> bytes:
        head = self._read_exactly(LENGTH, deadline)
        length = int.from_bytes(head, "little")
        if length > limit:
            raise ChannelOverflow
        return bytes(self._read_exactly(length, deadline))

    def _read_exactly(self, n: int, deadline: float) -> bytearray:
        buf = bytearray(n)
        view, got = memoryview(buf), 0
        while got < n:
            self._wait(deadline, write=False)
            try:
                k = self.sock.recv_into(view[got:])
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                raise ChannelClosed from None
            if k == 0:
                raise ChannelClosed
            got += k
        return buf

    def close(self) -> None:
        self.sock.close()
        self.out.close()


def send_frame(sock: socket.socket, data: bytes) -> None:
    sock.sendall(len(data).to_bytes(LENGTH, "little") + data)  # one write: frames from two processes never interleave


def recv_frame(sock: socket.socket) -> bytes | None:
    """The next frame, or None at end of file."""
    head = _recv_exactly(sock, LENGTH)
    if head is None:
        return None
    data = _recv_exactly(sock, int.from_bytes(head, "little"))
    if data is None:
        return None
    return bytes(data)


def _recv_exactly(sock: socket.socket, n: int) -> bytearray | None:
    buf = bytearray(n)
    view, got = memoryview(buf), 0
    while got < n:
        k = sock.recv_into(view[got:])
        if k == 0:
            return None
        got += k
    return buf
