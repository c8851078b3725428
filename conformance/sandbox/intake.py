"""Taking a submission in: one private copy of regular files, never following a link.

A submission folder is untrusted data. It is walked through directory descriptors with
``O_NOFOLLOW``, so a link (to a classmate's file, a private file, ``/dev/zero``, a loop) is never
opened; links, devices, FIFOs and sockets are refused with a plain reason; a file that is swapped
for a FIFO between the look and the open cannot block (``O_NONBLOCK``, then a check of what was
opened). Caps on file size, file count and total size apply before a byte is copied past them.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

SKIPPED = ("__pycache__", ".git")
"""Folders never copied: caches and history are not the submission."""


@dataclass(frozen=True)
class IntakeLimits:
    file_size: int = 16 * 2**20
    files: int = 1000
    total: int = 64 * 2**20


class Refused(Exception):
    """The submission cannot be taken in as it is; the text says why, in the kit's words and the
    submission's own file names (relative to the submission)."""


_KINDS = {stat.S_IFLNK: "a symbolic link", stat.S_IFCHR: "a device", stat.S_IFBLK: "a device",
          stat.S_IFIFO: "a FIFO", stat.S_IFSOCK: "a socket"}


def _kind(mode: int) -> str:
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


def _shown(rel: str) -> str:
    """A file name as it may appear in a reason: printable, bounded."""
    clean = "".join(ch if ch.isprintable() else "?" for ch in rel)
    return clean if len(clean) <= 120 else clean[:117] + "..."


class _Copy:
    def __init__(self, limits: IntakeLimits) -> None:
        self.limits, self.files, self.total = limits, 0, 0

    def file(self, src_dir: int, name: str, dest: str, rel: str) -> None:
        try:
            fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=src_dir)
        except OSError as exc:
            raise Refused(f"{_shown(rel)} cannot be read ({exc.strerror})") from None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise Refused(f"{_shown(rel)} is {_kind(info.st_mode)}; submit regular files only")
            self.files += 1
            if self.files > self.limits.files:
                raise Refused(f"more than {self.limits.files} files; submit only the code")
            if info.st_size > self.limits.file_size:
                raise Refused(f"{_shown(rel)} is larger than {self.limits.file_size // 2**20} MB")
            if self.total + info.st_size > self.limits.total:
                raise Refused(f"the files add up to more than {self.limits.total // 2**20} MB")
            out = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
            try:
                budget = min(self.limits.file_size, self.limits.total - self.total) + 1
                while budget > 0:  # the size it had when looked at is not trusted: it may grow
                    chunk = os.read(fd, min(1 << 20, budget))
                    if not chunk:
                        break
                    os.write(out, chunk)
                    budget -= len(chunk)
                    self.total += len(chunk)
                if budget <= 0:
                    raise Refused(f"{_shown(rel)} grew past the size limits while being copied")
            finally:
                os.close(out)
        finally:
            os.close(fd)

    def folder(self, src_dir: int, dest: str, rel: str) -> None:
        with os.scandir(src_dir) as entries:
            names = sorted(e.name for e in entries)
        for name in names:
            child_rel = f"{rel}{name}"
            info = os.lstat(name, dir_fd=src_dir)
            if stat.S_ISDIR(info.st_mode):
                if name in SKIPPED:
                    continue
                try:
                    sub = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=src_dir)
                except OSError as exc:
                    raise Refused(f"{_shown(child_rel)} cannot be read ({exc.strerror})") from None
                try:
                    os.mkdir(os.path.join(dest, name), 0o755)
                    self.folder(sub, os.path.join(dest, name), child_rel + "/")
                finally:
                    os.close(sub)
            elif stat.S_ISREG(info.st_mode):
                self.file(src_dir, name, os.path.join(dest, name), child_rel)
            else:
                raise Refused(f"{_shown(child_rel)} is {_kind(info.st_mode)}; submit regular files only")


def take_in(source: Path, dest: Path, entry: str, limits: IntakeLimits = IntakeLimits()) -> None:
    """Copy a submission (a folder, or a single file saved as ``entry``) into the new folder ``dest``."""
    copy = _Copy(limits)
    dest.mkdir(mode=0o755)
    try:
        info = os.lstat(source)
    except OSError as exc:
        raise Refused(f"the submission cannot be read ({exc.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        try:
            top = os.open(source, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError as exc:
            raise Refused(f"the submission folder cannot be read ({exc.strerror})") from None
        try:
            copy.folder(top, str(dest), "")
        finally:
            os.close(top)
    else:
        parent = os.open(source.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            if not stat.S_ISREG(info.st_mode):
                raise Refused(f"{_shown(source.name)} is {_kind(info.st_mode)}; submit regular files only")
            copy.file(parent, source.name, str(dest / entry), source.name)
        finally:
            os.close(parent)
    if not (dest / entry).is_file():
        raise Refused(f"{_shown(entry)} is not in the submission")
