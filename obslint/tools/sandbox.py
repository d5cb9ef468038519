"""No network for external tools: what they read comes from the checked repository, which is untrusted.

Two layers, because either alone has a gap:

* Where the kernel allows unprivileged user namespaces, each tool runs under
  `unshare --user --map-root-user --net` (util-linux): a fresh network namespace whose only
  interface is a loopback that is down, so no address - the runner's own 127.0.0.1 included - can
  be reached. Probed once per run; the probe costs a few milliseconds.
* Always, the environment points every proxy variable at a closed local port and switches off
  git's remote protocols (git(1): GIT_ALLOW_PROTOCOL, "a colon-separated list of protocols...
  any protocol not listed is disallowed"), so a tool that honours them fails fast instead of
  connecting. Go's net/http honours HTTP(S)_PROXY, but never proxies loopback hosts
  (golang.org/x/net/http/httpproxy: "requests to localhost ... are not proxied"): that is why
  obslint also refuses every non-local path before a tool can see it (obslint.model.flux.local_paths).
"""

from __future__ import annotations

import functools
import shutil
import subprocess

# 127.0.0.1:9 is the discard port: closed on any machine that does not run inetd's discard service.
_CLOSED = "http://127.0.0.1:9"

NO_NETWORK_ENV: dict[str, str] = {
    **{name: _CLOSED for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")},
    "NO_PROXY": "",
    "no_proxy": "",
    "GIT_ALLOW_PROTOCOL": "none",  # no such protocol: every remote protocol is refused
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_SSH_COMMAND": "false",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": "/dev/null",
}


@functools.cache
def _unshare() -> tuple[str, ...]:
    """The argv prefix that runs a command without network, or () where namespaces are not allowed."""
    path = shutil.which("unshare")
    if path is None:
        return ()
    prefix = (path, "--user", "--map-root-user", "--net", "--")
    try:
        probe = subprocess.run([*prefix, "true"], capture_output=True, timeout=5, check=False, env={})
    except (OSError, subprocess.SubprocessError):
        return ()
    return prefix if probe.returncode == 0 else ()


def offline_argv(argv: list[str]) -> list[str]:
    """argv to run with no network reachable (unchanged where namespaces are unavailable)."""
    return [*_unshare(), *argv]


def network_isolated() -> bool:
    """Whether tools run in their own network namespace on this machine."""
    return bool(_unshare())
