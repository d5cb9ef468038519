"""The child processes and scratch directories of a run that are alive now, so that a run ended
by a signal ends them too instead of leaving them behind.

A CI timeout or a cancelled job signals obslint: GitHub Actions sends SIGINT, then SIGTERM 7.5 s
later, then kills the process tree (docs.github.com/en/actions/reference/workflow-cancellation-reference);
other runners send SIGTERM. Python's default handling would end obslint alone: kubectl, promtool,
amtool or sops would keep running, and the scratch directories, which hold copies of the checked
tree and extracted configs (credentials in clear among them), would stay in the temporary
directory. Every tool therefore starts here, in a session of its own (so that its whole process
tree can be killed as one group, and a terminal's Ctrl-C does not reach it behind obslint's
back), and every scratch directory is created here; `end_run`, which the CLI's signal handler
calls, kills the groups, removes the directories and exits.

Signal handlers run in the main thread, between two bytecodes of whatever it is doing. When that
thread is inside the registry itself (a process started but not yet recorded, or the registry's
lock held), the handler only notes the signal, and the run ends as soon as the thread lets go.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from typing import Any

# How long an ending run waits for the killed processes to be gone before it removes the
# directories they worked in (a killed process is gone within milliseconds).
_KILL_WAIT = 2.0

_lock = threading.Lock()
_processes: set[subprocess.Popen] = set()
_directories: set[str] = set()
_closing = False  # no new process or directory once the run is ending
_main_busy = 0  # the main thread holds the registry: a signal must wait for it
_deferred: int | None = None  # the signal that arrived meanwhile
_ending = False  # end_run is under way (a second signal changes nothing)


class Interrupted(Exception):
    """The run is ending: no new process is started, no new directory created."""


@contextlib.contextmanager
def _registry(*, adding: bool = False) -> Iterator[None]:
    """Hold the registry's lock. In the main thread, a signal that arrives meanwhile is handled once
    the lock is released: its handler runs in this same thread and needs the lock itself."""
    global _main_busy
    main = threading.current_thread() is threading.main_thread()
    if main:
        _main_busy += 1
    try:
        with _lock:
            if adding and _closing:
                raise Interrupted
            yield
    finally:
        if main:
            _main_busy -= 1
            if not _main_busy and _deferred is not None:
                end_run(_deferred)


def start_process(argv: list[str], **popen: Any) -> subprocess.Popen:
    """Popen(argv, **popen) in a new session, recorded until `forget_process`."""
    with _registry(adding=True):
        proc = subprocess.Popen(argv, start_new_session=True, **popen)
        _processes.add(proc)
    return proc


def forget_process(proc: subprocess.Popen) -> None:
    with _registry():
        _processes.discard(proc)


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the process and everything it started (its session's process group: its pid)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


# A memory file system for scratch directories, where there is one with room.
_SHM = "/dev/shm"
_SHM_MIN_FREE = 256 * 1024 * 1024


def scratch_parent() -> str | None:
    """Where scratch directories go: tempfile's choice when TMPDIR (or tempfile.tempdir) names one,
    else /dev/shm when it has room (not a container's 64 MB default), else tempfile's default.
    A scratch tree is a few hundred small files that live for a second (kustomize inputs, rule
    files): on a disk file system each creation and removal is a journalled metadata update, which
    took ~0.3 s of a 1.5 s run on a 40-cluster fleet; in memory it is nearly free, and the copies
    never reach a disk."""
    if os.environ.get("TMPDIR") or tempfile.tempdir:
        return None
    try:
        st = os.statvfs(_SHM)
    except OSError:
        return None
    roomy = st.f_bavail * st.f_frsize >= _SHM_MIN_FREE
    return _SHM if roomy and os.access(_SHM, os.W_OK | os.X_OK) else None


def make_directory(prefix: str) -> str:
    """A new private temporary directory (mode 0700: tempfile.mkdtemp), recorded until
    `remove_directory`."""
    with _registry(adding=True):
        path = tempfile.mkdtemp(prefix=prefix, dir=scratch_parent())
        _directories.add(path)
    return path


def remove_directory(path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)
    with _registry():
        _directories.discard(path)


def end_run(signum: int) -> None:
    """Kill every live tool's process group, remove every scratch directory and exit with
    128 + signum (130 for SIGINT, 143 for SIGTERM: the shell's status for a process a signal
    ended). Returns only when the main thread holds the registry, which ends the run when it lets go."""
    global _closing, _deferred, _ending
    if _ending:
        return
    if _main_busy:
        _deferred = signum
        return
    _ending = True
    with _lock:
        _closing = True
        processes, directories = list(_processes), list(_directories)
    for proc in processes:
        kill_group(proc)
    deadline = time.monotonic() + _KILL_WAIT
    for proc in processes:  # reaped, so none is left as a zombie either
        with contextlib.suppress(Exception):
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
    for path in directories:
        shutil.rmtree(path, ignore_errors=True)
    with contextlib.suppress(OSError):
        os.write(2, f"obslint: interrupted by {signal.Signals(signum).name}\n".encode())
    # os._exit, not SystemExit: the worker threads still waiting for the killed tools must not
    # start the next ones, and nothing else is left to flush or clean up.
    os._exit(128 + signum)
