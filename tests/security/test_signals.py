"""An `obslint check` ended by SIGTERM or SIGINT (what CI timeouts and cancellations send) leaves no
tool process and no scratch directory behind, and exits with the shell's status for the signal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from obslint.tools import run_tool, scratch_dir
from tests.conftest import ROOT

RULES = "groups:\n  - name: g\n    rules:\n      - alert: X\n        expr: up == 0\n"
# A non-interactive shell starts a background job with SIGINT ignored, and obslint keeps an
# ignored signal ignored: the child resets SIGINT first, whatever the shell running pytest did.
ENTRY = (
    "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "sys.argv[0] = 'obslint'; runpy.run_module('obslint', run_name='__main__')"
)


def slow_tool(tmp_path: Path) -> tuple[Path, Path]:
    """A tool that starts a child of its own, writes both pids and waits: (script, pid file)."""
    pids = tmp_path / "pids"
    script = tmp_path / "slow-tool"
    script.write_text(f'#!/bin/sh\nsleep 30 &\necho "$$ $!" > {pids}.tmp\nmv {pids}.tmp {pids}\nwait\n')
    script.chmod(0o755)
    return script, pids


def wait_for(path: Path, seconds: float = 20) -> str:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)
    return path.read_text()


def alive(pid: int) -> bool:
    """Running or sleeping; a zombie (killed, waiting to be reaped by init) is not alive."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def none_alive(pids: list[int], seconds: float = 3) -> bool:
    deadline = time.monotonic() + seconds
    while any(alive(p) for p in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_ends_the_tools_and_removes_the_scratch_directories(tmp_path, sig):
    script, pid_file = slow_tool(tmp_path)
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "rules.yaml").write_text(RULES)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp), "OBSLINT_PROMTOOL": str(script)}
    argv = [sys.executable, "-c", ENTRY, "check", str(tmp_path / "repo"), "--select", "PROM001"]
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        pids = [int(p) for p in wait_for(pid_file).split()]
        assert [p.name for p in tmp.iterdir()] and all(alive(p) for p in pids)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 128 + sig
    assert none_alive(pids), "a tool process outlived obslint"
    assert [p.name for p in tmp.iterdir() if p.name.startswith("obslint-")] == []
    assert "Traceback" not in err and f"interrupted by {sig.name}" in err


def test_a_tool_that_times_out_is_killed_with_everything_it_started(tmp_path):
    script, pid_file = slow_tool(tmp_path)
    started = time.monotonic()
    res = run_tool([str(script)], timeout=1)
    assert res.timed_out and time.monotonic() - started < 10
    assert none_alive([int(p) for p in pid_file.read_text().split()])


def test_scratch_directories_are_private(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    with scratch_dir("x") as path:
        assert os.stat(path).st_mode & 0o777 == 0o700
        assert os.path.basename(path).startswith("obslint-x-")
    assert not os.path.exists(path)


def test_scratch_directories_go_to_memory_only_when_no_temporary_directory_is_named(tmp_path, monkeypatch):
    from collections import namedtuple

    from obslint.tools import live

    stat = namedtuple("stat", "f_bavail f_frsize")
    monkeypatch.delenv("TMPDIR", raising=False)
    monkeypatch.setattr("tempfile.tempdir", None)
    monkeypatch.setattr(live, "_SHM", str(tmp_path))
    monkeypatch.setattr(live.os, "statvfs", lambda _path: stat(1024 * 1024, 4096))  # 4 GB free
    assert live.scratch_parent() == str(tmp_path)
    monkeypatch.setattr(live.os, "statvfs", lambda _path: stat(16 * 1024, 4096))  # 64 MB: a container's
    assert live.scratch_parent() is None
    monkeypatch.setattr(live.os, "statvfs", lambda _path: stat(1024 * 1024, 4096))
    monkeypatch.setenv("TMPDIR", str(tmp_path / "chosen"))
    assert live.scratch_parent() is None  # tempfile's choice: $TMPDIR


class _Exited(Exception):
    pass


class _BoundedLock:
    """A lock that fails instead of waiting forever (a handler that took the lock its own thread
    holds would otherwise hang the test)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def __enter__(self) -> None:
        assert self._lock.acquire(timeout=5), "deadlock: the lock is held by the waiting thread"

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


def test_a_signal_while_a_process_is_being_recorded_ends_it_once_recorded(tmp_path, monkeypatch):
    """The handler runs in the main thread, possibly right after Popen returned and before the
    process is recorded: it waits for the record instead of missing the process."""
    from obslint.tools import live

    for name, value in {"_processes": set(), "_directories": set(), "_closing": False, "_deferred": None}.items():
        monkeypatch.setattr(live, name, value)
    monkeypatch.setattr(live, "_ending", False)
    monkeypatch.setattr(live, "_lock", _BoundedLock())

    def exit_(code: int) -> None:
        raise _Exited(code)

    monkeypatch.setattr(live.os, "_exit", exit_)
    started: list[subprocess.Popen] = []
    real_popen = subprocess.Popen

    def popen_then_signal(*args, **kwargs):
        started.append(real_popen(*args, **kwargs))
        live.end_run(signal.SIGTERM)  # what the handler would do here: it must not end the run yet
        assert started[0].poll() is None and live._deferred == signal.SIGTERM
        return started[0]

    monkeypatch.setattr(live.subprocess, "Popen", popen_then_signal)
    with pytest.raises(_Exited) as exited:
        live.start_process(["sleep", "30"])
    assert exited.value.args == (143,)
    assert started[0].poll() is not None  # killed and reaped by end_run
