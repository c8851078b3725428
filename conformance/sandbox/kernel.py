"""The kernel's isolation primitives, called through ctypes (the standard library has almost none).

Namespaces (unshare(2)), mounts and pivot_root(2), Landlock (landlock(7)), capabilities
(capset(2)) and prctl(2). Each raises OSError with the call's name on failure; nothing here
decides what to isolate (that is :mod:`.isolation`). Linux only; on other systems every call
raises OSError(ENOSYS), which the probe records as "not available".
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import struct
from typing import Any

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MNT_DETACH = 2

PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS, PR_SET_DUMPABLE = 1, 38, 4

# landlock(7): filesystem rights by ABI, TCP rights (ABI 4), scopes (ABI 6)
FS_EXECUTE, FS_WRITE_FILE, FS_READ_FILE, FS_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
FS_ALL_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 5: (1 << 16) - 1}
FS_FILE_RIGHTS = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | (1 << 14) | (1 << 15)
"""The rights that apply to a file (not a folder): a rule on a file may grant only these."""
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1
_LANDLOCK_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_SYS = {  # syscall numbers: Landlock's are the same everywhere, pivot_root's and capset's are not
    "landlock_create_ruleset": 444, "landlock_add_rule": 445, "landlock_restrict_self": 446,
    "pivot_root": {"x86_64": 155, "aarch64": 41}.get(platform.machine()),
    "capset": {"x86_64": 126, "aarch64": 91}.get(platform.machine()),
    "keyctl": {"x86_64": 250, "aarch64": 219}.get(platform.machine()),
}
KEYCTL_GET_KEYRING_ID, KEYCTL_JOIN_SESSION_KEYRING, KEYCTL_CLEAR = 0, 1, 7
KEY_SPEC_SESSION_KEYRING, KEY_SPEC_USER_KEYRING, KEY_SPEC_USER_SESSION_KEYRING = -3, -4, -5

_libc: Any = None


def _c() -> Any:
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    return _libc


def _check(result: int, what: str) -> int:
    if result < 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{what}: {os.strerror(code)}")
    return result


def _syscall(name: str, *args: Any) -> int:
    number = _SYS[name]
    if number is None or platform.system() != "Linux":
        raise OSError(errno.ENOSYS, f"{name}: not available on this system")
    return _check(_c().syscall(ctypes.c_long(number), *args), name)


def _path(p: str | None) -> bytes | None:
    return None if p is None else os.fsencode(p)


def unshare(flags: int) -> None:
    _check(_c().unshare(ctypes.c_int(flags)), "unshare")


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    result = _c().mount(_path(source), _path(target), _path(fstype), ctypes.c_ulong(flags), _path(data))
    _check(result, f"mount {target}")


def bind_read_only(source: str, target: str) -> None:
    """``source`` seen at ``target``, read-only, no set-uid, no devices (a bind, then its remount)."""
    mount(source, target, None, MS_BIND | MS_REC)
    mount(None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def pivot_root_here() -> None:
    """Make the current folder the root and detach the old one (pivot_root(".", ".") then umount)."""
    _syscall("pivot_root", b".", b".")
    _check(_c().umount2(b".", ctypes.c_int(MNT_DETACH)), "umount2")
    os.chdir("/")


def prctl(option: int, value: int) -> None:
    _check(_c().prctl(ctypes.c_int(option), ctypes.c_ulong(value), ctypes.c_ulong(0), ctypes.c_ulong(0),
                      ctypes.c_ulong(0)), "prctl")


def drop_capabilities() -> None:
    """Empty effective, permitted and inheritable sets (capset with version 3 headers)."""
    header = struct.pack("Ii", 0x20080522, 0)
    data = bytes(24)  # two {effective, permitted, inheritable} u32 triples, all zero
    _syscall("capset", ctypes.c_char_p(header), ctypes.c_char_p(data))


def session_keyring() -> int:
    """This process's session keyring's serial number."""
    return _syscall("keyctl", ctypes.c_int(KEYCTL_GET_KEYRING_ID), ctypes.c_int(KEY_SPEC_SESSION_KEYRING), ctypes.c_int(0))


def new_session_keyring() -> None:
    """Leave the session keyring inherited from the grader (an instructor's login keys, possessed)
    for a new, empty, anonymous one: keyrings belong to no namespace."""
    _syscall("keyctl", ctypes.c_int(KEYCTL_JOIN_SESSION_KEYRING), None)


def clear_user_keyrings() -> None:
    """Empty this uid's user and user-session keyrings (they outlive its processes)."""
    for keyring in (KEY_SPEC_USER_KEYRING, KEY_SPEC_USER_SESSION_KEYRING):
        _syscall("keyctl", ctypes.c_int(KEYCTL_CLEAR), ctypes.c_int(keyring))


def write_id_maps(uid: int, gid: int) -> None:
    """In a new user namespace: this process is root inside, its own uid and gid outside."""
    with open("/proc/self/setgroups", "w") as fh:
        fh.write("deny")
    with open("/proc/self/uid_map", "w") as fh:
        fh.write(f"0 {uid} 1")
    with open("/proc/self/gid_map", "w") as fh:
        fh.write(f"0 {gid} 1")


def landlock_abi() -> int:
    """The Landlock ABI this kernel offers; 0 if none (not built in, disabled, or not Linux)."""
    try:
        return _syscall("landlock_create_ruleset", None, ctypes.c_size_t(0), ctypes.c_uint32(_LANDLOCK_CREATE_RULESET_VERSION))
    except OSError:
        return 0


def landlock_fs_rights(abi: int) -> int:
    return FS_ALL_BY_ABI[max(k for k in FS_ALL_BY_ABI if k <= abi)]


def landlock_restrict(abi: int, read: list[str], write: list[str], *, network: bool, scopes: bool) -> None:
    """Restrict this thread (and all it forks) to reading ``read``, reading and writing ``write``,
    no TCP bind or connect (``network``, ABI 4), and no signal or abstract socket outside its own
    domain (``scopes``, ABI 6). Needs no_new_privs first. Paths that do not exist are skipped."""
    fs = landlock_fs_rights(abi)
    net = NET_BIND_TCP | NET_CONNECT_TCP if network and abi >= 4 else 0
    scoped = SCOPE_SIGNAL | SCOPE_ABSTRACT_UNIX_SOCKET if scopes and abi >= 6 else 0
    attr = struct.pack("QQQ", fs, net, scoped) if abi >= 6 else struct.pack("QQ", fs, net) if abi >= 4 else struct.pack("Q", fs)
    ruleset = _syscall("landlock_create_ruleset", ctypes.c_char_p(attr), ctypes.c_size_t(len(attr)), ctypes.c_uint32(0))
    try:
        for rights, paths in ((FS_EXECUTE | FS_READ_FILE | FS_READ_DIR, read), (fs, write)):
            for path in paths:
                try:
                    fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
                except OSError:
                    continue
                try:
                    allowed = rights if os.path.isdir(path) else rights & FS_FILE_RIGHTS
                    rule = struct.pack("=Qi", allowed, fd)
                    _syscall("landlock_add_rule", ctypes.c_int(ruleset), ctypes.c_int(_RULE_PATH_BENEATH),
                             ctypes.c_char_p(rule), ctypes.c_uint32(0))
                finally:
                    os.close(fd)
        _syscall("landlock_restrict_self", ctypes.c_int(ruleset), ctypes.c_uint32(0))
    finally:
        os.close(ruleset)
