"""The wheel as a user installs it: built from the tracked files, installed into a fresh virtual environment,
and run from outside the source tree, so `obslint check` and `obslint init` read only what the wheel carries
(schemas, data/, the reference stack).

No network: the wheel is built without build isolation by this environment's setuptools, installed with
--no-index --no-deps, and the dependencies come from this environment's site-packages through a .pth line in
the fresh one. site.addsitedir processes the .pth files of the site directories only, not those of a
directory a .pth line adds (CPython Lib/site.py, addpackage), so the editable install's finder
(`__editable__.obslint-*.pth`) stays inactive there and `import obslint` finds the wheel's copy.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import pytest

from obslint import __version__
from obslint.scaffold.ci import PRE_COMMIT_PATH, WORKFLOW_PATH
from tests.conftest import REFERENCE_STACK, ROOT
from tests.snapshot import snapshot_of_tracked_files


@dataclass(frozen=True)
class FreshInstall:
    venv: Path
    wheel: Path
    outside: Path  # a working directory outside the source tree

    def run(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
        return subprocess.run(
            [str(self.venv / "bin" / args[0]), *args[1:]],
            cwd=cwd or self.outside,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )


def _run(cmd: list[str], cwd: Path) -> None:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, f"{cmd}: {proc.stdout}\n{proc.stderr}"


def fresh_venv(venv: Path) -> Path:
    """A virtual environment without pip whose site-packages also reach this environment's (the dependencies),
    without its editable obslint; returns its python."""
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], venv.parent)
    python = venv / "bin" / "python"
    site_packages = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    dev_paths = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
    (Path(site_packages) / "dev-dependencies.pth").write_text("\n".join(dev_paths) + "\n", encoding="utf-8")
    return python


@pytest.fixture(scope="session")
def fresh_install(tmp_path_factory) -> FreshInstall:
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    snapshot_of_tracked_files(source)  # what a release commit holds: no build/ leftovers, no untracked files
    dist = base / "dist"
    build = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(dist), "."]
    _run(build, source)
    (wheel,) = dist.glob("obslint-*.whl")

    venv = base / "venv"
    python = fresh_venv(venv)
    pip_install = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index"]
    _run([*pip_install, str(wheel)], base)
    outside = base / "work"
    outside.mkdir()
    return FreshInstall(venv=venv, wheel=wheel, outside=outside)


def test_the_wheel_is_the_package_version_and_is_what_runs(fresh_install):
    assert fresh_install.wheel.name == f"obslint-{__version__}-py3-none-any.whl"
    where = fresh_install.run("python", "-c", "import obslint; print(obslint.__file__)")
    assert where.returncode == 0, where.stderr
    module = Path(where.stdout.strip()).resolve()
    assert module.is_relative_to(fresh_install.venv.resolve()), module
    assert not module.is_relative_to(ROOT), module
    version = fresh_install.run("obslint", "--version")
    assert version.stdout.strip() == f"obslint {__version__}", version.stdout + version.stderr


def test_installed_obslint_checks_the_reference_stack_clean(fresh_install, tmp_path):
    stack = tmp_path / "stack"
    shutil.copytree(REFERENCE_STACK, stack)
    result = fresh_install.run("obslint", "check", str(stack))
    assert result.returncode == 0, result.stdout + result.stderr
    # the schema checks read the wheel's schemas: a Flux duration they reject is found
    sync = stack / "clusters/home/monitoring.yaml"
    sync.write_text(sync.read_text(encoding="utf-8").replace("interval: 30m", "interval: 1d", 1), encoding="utf-8")
    bad = fresh_install.run("obslint", "check", "--select", "FLUX050", str(stack))
    assert bad.returncode == 1 and "monitoring.yaml:13:13: error FLUX050" in bad.stdout, bad.stdout + bad.stderr


def test_installed_obslint_init_writes_the_stack_and_the_ci_files(fresh_install, tmp_path):
    target = tmp_path / "new-repo"
    result = fresh_install.run("obslint", "init", str(target))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "sops --encrypt --in-place" in result.stdout
    expected = {p.relative_to(REFERENCE_STACK).as_posix() for p in REFERENCE_STACK.rglob("*") if p.is_file()}
    written = {p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()}
    assert written == expected | {PRE_COMMIT_PATH, WORKFLOW_PATH}
