"""Shared test helpers: temporary repositories, running checks, external tools."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from obslint.cache import build_results, store, tool_results
from obslint.findings import Finding
from obslint.rules import example_files, load_rules
from obslint.runner import RunResult, run_check
from obslint.tools import find_tool

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_STACK = ROOT / "reference-stack"
# Upstream fixtures copied into the repository (tests/data/README.md): every test but the corpus suite reads these.
DATA = ROOT / "tests" / "data"


def write_repo(root: Path, files: dict[str, str] | str) -> Path:
    """Write {path: content} (or a txtar-like string) under root; contents are dedented."""
    if isinstance(files, str):
        files = example_files(textwrap.dedent(files))
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(content), encoding="utf-8")
    return root


def check(path: Path | str, **kwargs) -> RunResult:
    load_rules()
    return run_check([str(path)], **kwargs)


def rule_ids(findings: list[Finding]) -> list[str]:
    return sorted({f.rule for f in findings})


# Cache kinds (obslint.cache) whose entries are keyed by everything their value depends on: the tool's identity,
# its arguments and the content it read. Tests share these as one user's runs do: a mutation of the reference
# stack then builds only the kustomize path it changed (about 900 `kubectl kustomize` runs fewer per suite).
SHARED_CACHE_KINDS = (build_results.KIND, tool_results.KIND)


@pytest.fixture(scope="session")
def shared_cache_entries(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("shared-cache")


@pytest.fixture(autouse=True)
def private_cache(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    shared_cache_entries: Path,
) -> Path:
    """Every test caches into a directory of its own: never the user's cache. Only the content-addressed
    kinds of SHARED_CACHE_KINDS are shared with the other tests of the session, unless the test is marked
    `isolated_cache` (it counts the tool runs the cache saves)."""
    path = tmp_path_factory.mktemp("cache")
    layout = path / store._LAYOUT
    layout.mkdir(mode=0o700)
    shared = () if request.node.get_closest_marker("isolated_cache") else SHARED_CACHE_KINDS
    for kind in shared:
        (shared_cache_entries / kind).mkdir(mode=0o700, exist_ok=True)
        (layout / kind).symlink_to(shared_cache_entries / kind, target_is_directory=True)
    monkeypatch.setenv("OBSLINT_CACHE_DIR", str(path))
    return path


@pytest.fixture
def repo(tmp_path: Path):
    """repo(files) writes a repository into a fresh temporary directory and returns its path."""
    counter = {"n": 0}

    def make(files: dict[str, str] | str) -> Path:
        counter["n"] += 1
        return write_repo(tmp_path / f"repo{counter['n']}", files)

    return make


def in_ci() -> bool:
    """CI runners set CI (GitHub Actions, GitLab CI, ...): there a missing prerequisite fails instead of skipping."""
    return bool(os.environ.get("CI"))


def require_tool(name: str) -> str:
    """The tool's path; skip without it on a laptop, fail without it in CI."""
    path = find_tool(name)
    if path is None:
        if in_ci():
            pytest.fail(f"{name} is required in CI but was not found (run scripts/install.sh)")
        pytest.skip(f"{name} not installed")
    return path


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked `slow` run first. pytest-xdist hands tests to its workers in collection order, so a
    long test collected last leaves the other worker idle at the end of the run: first, they spread out."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
