"""The fork server: one process per grader process, with numpy preloaded, that forks sandboxes.

It is started with a minimal environment (no variable of the grader's exists in its memory, so
none exists in a sandbox forked from it), in a session of its own, and dies with the process that
started it. It speaks JSON over a SOCK_SEQPACKET pair: ``spawn`` (a ChildSpec and the child's two
socket ends, passed as descriptors) is answered with the keeper's pid and a pidfd for it; when a
keeper exits, its wait status follows as ``{"exited": pid, "status": n}``. Nothing a sandbox sends
reaches this process.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
import traceback
from typing import Any

ENVIRONMENT = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
               "MKL_NUM_THREADS": "1", "NUMEXPR_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1"}
MESSAGE = 1 << 16


class ForkServerDied(Exception):
    """The fork server is gone (killed, or failed to start); the next spawn starts a new one."""


class Client:
    """The grader's handle on its fork server."""

    def __init__(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        code = ("import sys; sys.path[:0] = sys.argv[3:]; "
                "from dropout_conformance.sandbox.server import serve; serve(int(sys.argv[1]), int(sys.argv[2]))")
        paths = [p for p in sys.path if p]
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-c", code, str(theirs.fileno()), str(os.getpid()), *paths],
            env=ENVIRONMENT, cwd="/", stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, pass_fds=(theirs.fileno(),), start_new_session=True,
        )
        theirs.close()
        self.sock = ours
        self.statuses: dict[int, int] = {}

    def _read(self, timeout: float) -> dict[str, Any] | None:
        """One message (None if none came within ``timeout``); exit statuses are kept aside."""
        ready, _, _ = select.select([self.sock], [], [], timeout)
        if not ready:
            return None
        try:
            data, fds, _, _ = socket.recv_fds(self.sock, MESSAGE, 1)
        except OSError:
            data, fds = b"", []
        if not data:
            raise ForkServerDied("the sandbox's fork server died")
        message = json.loads(data)
        if "exited" in message:
            self.statuses[message["exited"]] = message["status"]
        if fds:
            message["pidfd"] = fds[0]
        return message

    def spawn(self, spec: dict[str, Any], fds: list[int], timeout: float = 60.0) -> tuple[int, int]:
        """Fork a sandbox; its keeper's pid and a pidfd (the caller closes it)."""
        try:
            socket.send_fds(self.sock, [json.dumps({"op": "spawn", "spec": spec}).encode()], fds)
        except OSError:
            raise ForkServerDied("the sandbox's fork server died") from None
        deadline = time.monotonic() + timeout  # the first spawn waits for numpy's import
        while time.monotonic() < deadline:
            message = self._read(deadline - time.monotonic())
            if message is not None and "pid" in message:
                return message["pid"], message["pidfd"]
        raise ForkServerDied("the sandbox's fork server did not answer")

    def status(self, pid: int, timeout: float) -> int | None:
        """The keeper's wait status once it has exited (None if not within ``timeout``)."""
        deadline = time.monotonic() + timeout
        while pid not in self.statuses:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._read(remaining) is None:
                return None
        return self.statuses.pop(pid)

    def close(self) -> None:
        self.sock.close()
        self.proc.kill()
        self.proc.wait()


_CLIENT: Client | None = None


def client() -> Client:
    """This process's fork server, started (again) if it is not running."""
    global _CLIENT
    if _CLIENT is not None and (_CLIENT.proc.poll() is not None or _CLIENT.sock.fileno() < 0):
        _CLIENT.close()
        _CLIENT = None
    if _CLIENT is None:
        _CLIENT = Client()
    return _CLIENT


def forget() -> None:
    """Drop this process's fork server (after it died), so the next spawn starts a new one."""
    global _CLIENT
    if _CLIENT is not None:
        _CLIENT.close()
        _CLIENT = None


# ------------------------------------------------------------------------------------- the server side


def serve(fd: int, parent: int) -> None:
    """The fork server's loop (in its own process)."""
    from . import kernel

    kernel.prctl(kernel.PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(0)
    from . import child  # preload: numpy and everything a sandbox uses, imported once

    ctl = socket.socket(fileno=fd)
    wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    while True:
        ready, _, _ = select.select([ctl.fileno(), wake_r], [], [])
        if wake_r in ready:
            while True:
                try:
                    if not os.read(wake_r, 512):
                        break
                except BlockingIOError:
                    break
            _report_exits(ctl)
        if ctl.fileno() in ready:
            try:
                data, fds, _, _ = socket.recv_fds(ctl, MESSAGE, 2)
            except InterruptedError:
                continue
            if not data:
                os._exit(0)  # the grader hung up
            request = json.loads(data)
            if request.get("op") == "spawn" and len(fds) == 2:
                pid = os.fork()
                if pid == 0:
                    signal.set_wakeup_fd(-1)
                    for extra in (ctl.fileno(), wake_r, wake_w):
                        os.close(extra)
                    try:
                        child.main(fds[0], fds[1], child.ChildSpec(**request["spec"]))
                    except BaseException:  # noqa: BLE001 - said on the process's stderr: the submission's output
                        traceback.print_exc()
                    finally:
                        os._exit(70)
                for extra in fds:
                    os.close(extra)
                pidfd = os.pidfd_open(pid)
                socket.send_fds(ctl, [json.dumps({"pid": pid}).encode()], [pidfd])
                os.close(pidfd)
            else:
                for extra in fds:
                    os.close(extra)


def _report_exits(ctl: socket.socket) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        ctl.send(json.dumps({"exited": pid, "status": status}).encode())
