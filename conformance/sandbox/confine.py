"""The processes of one sandbox, and the confinement each sets up before submission code runs.

A sandbox is three processes at level ``namespaces`` and two otherwise, all forked from the fork
server (:mod:`.server`), none of them running submission code but the last:

- the **keeper** (the grader's uid, outside every new namespace) supervises: on SIGTERM from the
  grader, on the fork server's death, or when the sandbox ends by itself, it makes sure every
  process of the sandbox is dead (PID namespace gone, or every process of the sandbox's uid, or
  the process group at level weak), then exits with the submission's own exit status;
- the **init** (level namespaces: PID 1 of the new PID namespace) reaps orphans; when it exits the
  kernel kills whatever is left in the namespace, ``setsid()`` daemons included;
- the **worker** sheds identity and rights (own uid or no capabilities, no_new_privs, Landlock,
  rlimits, no inherited descriptors), then imports the submission and answers the grader.
"""

from __future__ import annotations

import atexit
import os
import resource
import signal
import struct
import time
from typing import Any

from . import kernel
from .isolation import UID_BASE

CGROUPS = "/sys/fs/cgroup"
CGROUP_TOP = "dropout-conformance"
MASKED = ("site-packages", "dist-packages")
"""Folders of installed packages inside what the sandbox reads (the base Python's site-packages
sits in its standard library folder): hidden under an empty tmpfs, so only numpy is importable."""
NAMESPACES = kernel.CLONE_NEWNS | kernel.CLONE_NEWPID | kernel.CLONE_NEWNET | kernel.CLONE_NEWIPC | kernel.CLONE_NEWUTS
DEVICES = ("/dev/null", "/dev/zero", "/dev/urandom")


def build_root(spec: Any, uid: int) -> None:
    """Level namespaces, after unshare: a new root with only what the sandbox may see, then pivot."""
    kernel.mount(None, "/", None, kernel.MS_REC | kernel.MS_PRIVATE)
    root = spec.root_dir
    kernel.mount("tmpfs", root, "tmpfs", kernel.MS_NOSUID | kernel.MS_NODEV, "size=1m,mode=0755")
    for path in spec.read_paths:
        os.makedirs(root + path, 0o755, exist_ok=True)
        kernel.bind_read_only(path, root + path)
    for packages in _package_folders(spec.read_paths):
        kernel.mount("tmpfs", root + packages, "tmpfs", kernel.MS_RDONLY | kernel.MS_NOSUID | kernel.MS_NODEV, "size=4k")
    _hide_forbidden(spec, root)
    for link in ("/lib", "/lib64", "/bin"):  # merged /usr: /lib -> usr/lib
        if os.path.islink(link) and not os.path.lexists(root + link):
            os.symlink(os.readlink(link), root + link)
    os.makedirs(root + "/dev", 0o755, exist_ok=True)
    for device in DEVICES:
        open(root + device, "w").close()
        kernel.mount(device, root + device, None, kernel.MS_BIND | kernel.MS_NOSUID)
    os.makedirs(root + spec.submission_dir, 0o755, exist_ok=True)
    kernel.bind_read_only(spec.submission_dir, root + spec.submission_dir)
    os.makedirs(root + spec.workdir, 0o755, exist_ok=True)
    owner = 0 if spec.user_namespace else uid
    kernel.mount("tmpfs", root + spec.workdir, "tmpfs", kernel.MS_NOSUID | kernel.MS_NODEV,
                 f"size={spec.work_size},nr_inodes=4096,mode=0700,uid={owner},gid={owner}")
    os.chdir(root)
    kernel.pivot_root_here()
    kernel.mount(None, "/", None, kernel.MS_BIND | kernel.MS_REMOUNT | kernel.MS_RDONLY | kernel.MS_NOSUID | kernel.MS_NODEV)


def _hide_forbidden(spec: Any, root: str) -> None:
    """The integrity policy's packages that lie inside what the sandbox reads (a standard-library
    module a rubric forbids): an empty tmpfs over a folder, an empty file over a module file."""
    empty = root + "/.forbidden"
    for path in spec.forbid_paths:
        if not any(path.startswith(folder + os.sep) for folder in spec.read_paths) or not os.path.exists(root + path):
            continue
        if os.path.isdir(root + path):
            kernel.mount("tmpfs", root + path, "tmpfs", kernel.MS_RDONLY | kernel.MS_NOSUID | kernel.MS_NODEV, "size=4k")
        else:
            if not os.path.exists(empty):
                open(empty, "w").close()
            kernel.bind_read_only(empty, root + path)


def _package_folders(paths: list[str]) -> list[str]:
    found = []
    for path in paths:
        for sub in [path, *(os.path.join(path, n) for n in os.listdir(path) if n.startswith("python"))]:
            found += [os.path.join(sub, m) for m in MASKED if os.path.isdir(os.path.join(sub, m))]
    return found


def join_cgroups(spec: Any, name: str) -> None:
    """Move this process (and so all it forks) into memory and pids cgroups of its own that bound
    the sandbox as a whole: ``spec.memory`` bytes (tmpfs pages included), ``spec.processes`` tasks
    (plus the keeper and the init), under ``spec.cgroup_group`` (one per grader run). The grader
    removes them once the keeper is gone (:func:`remove_cgroups`): the keeper's own view of the
    filesystem is the sandbox's."""
    for controller, limits in (("memory", {"memory.limit_in_bytes": spec.memory}),
                               ("pids", {"pids.max": spec.processes + 2})):
        folder = os.path.join(CGROUPS, controller, CGROUP_TOP, spec.cgroup_group, name)
        os.makedirs(folder, exist_ok=True)
        for key, value in limits.items():
            with open(os.path.join(folder, key), "w") as fh:
                fh.write(str(value))
        if controller == "memory":  # swap too, where the kernel accounts for it
            try:
                with open(os.path.join(folder, "memory.memsw.limit_in_bytes"), "w") as fh:
                    fh.write(str(spec.memory))
            except OSError:
                pass
        with open(os.path.join(folder, "cgroup.procs"), "w") as fh:
            fh.write(str(os.getpid()))


def cgroup_group(temp_root: str | None) -> str:
    """The folder a run's sandbox cgroups go in: the grader's batch folder's name (removed with
    it, whatever happened), or this process's (removed when it exits)."""
    if temp_root:
        return os.path.basename(temp_root)
    group = f"process-{os.getpid()}"
    if group not in _GROUPS_TO_REMOVE:
        _GROUPS_TO_REMOVE.add(group)
        atexit.register(remove_cgroup_group, group)
    return group


_GROUPS_TO_REMOVE: set[str] = set()


def _rmdir(folder: str) -> None:
    for _ in range(500):  # a task leaves its cgroup a moment after it exits (under a millisecond)
        try:
            os.rmdir(folder)
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.001)


def remove_cgroups(group: str, keeper: int) -> None:
    """The grader's side, once the keeper has exited (so its cgroups are empty): remove them."""
    for controller in ("memory", "pids"):
        _rmdir(os.path.join(CGROUPS, controller, CGROUP_TOP, group, f"sandbox-{keeper}"))


def remove_cgroup_group(group: str) -> None:
    """At the end of a grader run: every cgroup it made, also those of sandboxes whose grading
    process was killed (Ctrl-C, a pool worker that died), which nothing else would remove."""
    for controller in ("memory", "pids"):
        top = os.path.join(CGROUPS, controller, CGROUP_TOP, group)
        try:
            names = os.listdir(top)
        except OSError:
            continue
        for name in names:
            if name.startswith("sandbox-"):
                _rmdir(os.path.join(top, name))
        _rmdir(top)


def enter_namespaces(spec: Any, uid: int) -> None:
    outer_uid, outer_gid = os.getuid(), os.getgid()
    kernel.unshare(NAMESPACES | (kernel.CLONE_NEWUSER if spec.user_namespace else 0))
    if spec.user_namespace:
        kernel.write_id_maps(outer_uid, outer_gid)
    build_root(spec, uid)


def shed(spec: Any, uid: int, keep: list[int]) -> None:
    """The worker's last steps before submission code: no descriptor but ``keep``, limits, an
    identity of its own, no way back to privileges, Landlock, a clean environment."""
    os.setsid()
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    for sig in (signal.SIGTERM, signal.SIGCHLD, signal.SIGINT, signal.SIGPIPE):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a file past its size limit fails a write, it does not kill
    for limit, value in (
        (resource.RLIMIT_AS, spec.memory),
        (resource.RLIMIT_CPU, spec.cpu_seconds),
        (resource.RLIMIT_FSIZE, spec.file_size),
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_NOFILE, 256),
    ):
        resource.setrlimit(limit, (value, value))
    if spec.level != "weak":
        resource.setrlimit(resource.RLIMIT_NPROC, (spec.processes, spec.processes))
    low = 0
    for fd in sorted(keep):  # 0, 1, 2 are set by the caller; everything else the fork server had goes
        if fd > low:  # never an empty range: os.closerange(3, 3) closes more than nothing on some Pythons
            os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, 65536)
    kernel.new_session_keyring()
    if spec.level != "weak" and not spec.user_namespace:
        _become(uid)
    elif spec.user_namespace:
        kernel.drop_capabilities()
    try:
        kernel.prctl(kernel.PR_SET_NO_NEW_PRIVS, 1)
    except OSError:
        if spec.landlock:
            raise
    kernel.prctl(kernel.PR_SET_PDEATHSIG, signal.SIGKILL)  # set after the uid change, which clears it
    if spec.landlock:
        read = [*spec.read_paths, spec.submission_dir, *DEVICES]
        kernel.landlock_restrict(spec.landlock, read, [spec.workdir, "/dev/null"], network=True, scopes=True)
    os.chdir(spec.workdir)
    os.environ.clear()
    os.environ.update({"PATH": "/usr/bin:/bin", "HOME": spec.workdir, "TMPDIR": spec.workdir, "LANG": "C.UTF-8",
                       "OPENBLAS_NUM_THREADS": "1"})


def _become(uid: int) -> None:
    """Root becomes ``uid`` (and the group of the same number), with no supplementary groups."""
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def end_uid(uid: int) -> None:
    """Level uid: leave nothing of ``uid``: a helper that is that uid kills every process it may
    signal (the sandbox's) and empties its keyrings, which outlive processes and would pass to the
    next sandbox given the same uid."""
    pid = os.fork()
    if pid == 0:
        try:
            _become(uid)
            for _ in range(1000):  # a fork bomb forks while it is being killed: until none is left
                try:
                    os.kill(-1, signal.SIGKILL)
                except ProcessLookupError:
                    break
            kernel.clear_user_keyrings()
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def _keyring_cleaner(uid: int) -> int:
    """Level namespaces as root: a helper that, once the keeper is gone (its pipe's end of file),
    becomes ``uid`` and empties its keyrings. The pipe's write end, which only the keeper keeps."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.closerange(0, r)
            os.closerange(r + 1, 65536)
            os.read(r, 1)
            _become(uid)
            kernel.clear_user_keyrings()
        finally:
            os._exit(0)
    os.close(r)
    return w


def _wait_status(pid: int) -> int:
    while True:
        try:
            return os.waitpid(pid, 0)[1]
        except InterruptedError:
            continue


def _exit_as(status: int) -> None:
    """End this process the way the worker ended (its exit code, or its signal)."""
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        signal.signal(sig, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [sig])
        os.kill(os.getpid(), sig)
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)


def _init(worker: Any, status_w: int) -> None:
    """PID 1 of the sandbox's namespace: run the worker, reap everyone, report the worker's status."""
    kernel.prctl(kernel.PR_SET_PDEATHSIG, signal.SIGKILL)
    pid = os.fork()
    if pid == 0:
        worker()
        os._exit(0)
    while True:
        try:
            done, status = os.waitpid(-1, 0)
        except InterruptedError:
            continue
        except ChildProcessError:
            os._exit(1)
        if done == pid:
            os.write(status_w, struct.pack("i", status))
            os._exit(0)


def keeper(spec: Any, worker: Any, close: list[int], refused: Any) -> None:
    """Run ``worker()`` confined at ``spec.level`` and supervise it; never returns. A namespace step
    the kernel refuses is passed to ``refused`` before exiting."""
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM, signal.SIGCHLD])
    kernel.prctl(kernel.PR_SET_PDEATHSIG, signal.SIGTERM)  # the fork server died: clean up, then go
    uid = UID_BASE + os.getpid()
    status_r = status_w = cleaner = -1
    try:
        if spec.cgroup:
            join_cgroups(spec, f"sandbox-{os.getpid()}")
        if spec.level == "namespaces":
            if not spec.user_namespace:  # forked before the PID namespace: once its init is gone, no fork works
                cleaner = _keyring_cleaner(uid)
            enter_namespaces(spec, uid)
            status_r, status_w = os.pipe()
        elif spec.level == "uid":
            os.chown(spec.workdir, uid, uid)
    except OSError as exc:
        refused(exc)
        os._exit(71)
    pid = os.fork()
    if pid == 0:
        if cleaner >= 0:
            os.close(cleaner)
        if spec.level == "namespaces":
            os.close(status_r)
            _init(lambda: worker(uid), status_w)
        worker(uid)
        os._exit(0)
    for fd in close:
        os.close(fd)
    if status_w >= 0:
        os.close(status_w)
    status = None
    while status is None:
        sig = signal.sigwait([signal.SIGTERM, signal.SIGCHLD])
        if sig == signal.SIGTERM:
            os.kill(pid, signal.SIGKILL)
            status = _wait_status(pid)
        else:
            done, st = os.waitpid(pid, os.WNOHANG)
            status = st if done == pid else None
    if spec.level == "uid":
        end_uid(uid)
    elif spec.level == "weak":
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
    if status_r >= 0:
        data = os.read(status_r, 4)
        status = struct.unpack("i", data)[0] if len(data) == 4 else status
    _exit_as(status)
