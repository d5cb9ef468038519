"""The user cache: where it lives, what a corrupt entry does, and the run and tool caches' hits,
misses and invalidation."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from obslint import runner
from obslint.cache import store
from obslint.cli import main
from obslint.rules import REGISTRY, example_files, load_rules
from tests.conftest import require_tool, write_repo
from tests.core.test_gitignore import git

pytestmark = pytest.mark.isolated_cache  # these tests watch the cache itself

TOKEN = "tok-Zq8x3LwP4m9N2vKe"


def test_cache_dir_follows_ruff_like_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv("OBSLINT_CACHE_DIR", str(tmp_path / "explicit"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert store.cache_dir() == str(tmp_path / "explicit")
    monkeypatch.delenv("OBSLINT_CACHE_DIR")
    assert store.cache_dir() == str(tmp_path / "xdg" / "obslint")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")  # the spec: relative paths are invalid
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert store.cache_dir() == str(tmp_path / "home" / ".cache" / "obslint")


def test_entries_round_trip_in_a_private_directory(private_cache):
    store.put("demo", store.key_of("a"), {"x": [1, "two"]})
    assert store.get("demo", store.key_of("a")) == {"x": [1, "two"]}
    assert store.get("demo", store.key_of("b")) is None
    for d in (private_cache, private_cache / "v1", private_cache / "v1" / "demo"):
        assert stat.S_IMODE(d.stat().st_mode) == 0o700


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[: len(text) // 2],  # cut short
        lambda text: text.replace('"two"', '"six"'),  # value changed: its hash no longer matches
        lambda text: text.replace(store.key_of("a"), store.key_of("z")),  # another key's entry
        lambda text: "\0\xff not json",
    ],
)
def test_a_damaged_entry_is_a_miss_and_is_removed(private_cache, damage):
    key = store.key_of("a")
    store.put("demo", key, {"x": [1, "two"]})
    (entry,) = (private_cache / "v1" / "demo").rglob("*.json")
    entry.write_text(damage(entry.read_text()), encoding="utf-8", errors="surrogateescape")
    assert store.get("demo", key) is None
    assert not entry.exists()


def test_no_cache_reads_and_writes_nothing(private_cache):
    store.set_enabled(False)
    try:
        store.put("demo", store.key_of("a"), 1)
        assert store.get("demo", store.key_of("a")) is None
    finally:
        store.set_enabled(True)
    assert not (private_cache / "v1" / "demo").exists()


def test_prune_removes_the_least_recently_used_entries(private_cache):
    for n in range(5):
        store.put("demo", store.key_of(n), "x" * 1000)
        path = next((private_cache / "v1" / "demo").rglob(f"{store.key_of(n)}.json"))
        os.utime(path, (1000 + n, 1000 + n))
    store.prune(str(private_cache / "v1"), max_bytes=2500)
    assert [store.get("demo", store.key_of(n)) is not None for n in range(5)] == [False] * 3 + [True] * 2


def test_another_users_directory_is_not_used(monkeypatch, tmp_path):
    monkeypatch.setenv("OBSLINT_CACHE_DIR", str(tmp_path / "theirs"))
    monkeypatch.setattr(os, "getuid", lambda: os.stat(tmp_path).st_uid + 1)
    store.put("demo", store.key_of("a"), 1)
    assert store.get("demo", store.key_of("a")) is None
    assert not list((tmp_path / "theirs").rglob("*.json"))


# --- the run cache ---------------------------------------------------------------------------


@pytest.fixture
def findings_repo(tmp_path: Path) -> Path:
    """A repository with findings of several rules, one of them on a line holding a secret."""
    load_rules()
    rule = REGISTRY.lookup("SEC005")
    assert rule is not None
    files = example_files(rule.failing)
    files["apps/secret.yaml"] = (
        f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: hook\n  namespace: apps\nstringData:\n  token: {TOKEN}\n"
    )
    files["apps/cm.yaml"] = f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: a}}\ndata:\n  a: {TOKEN}\n  a: b\n"
    return write_repo(tmp_path / "repo", files)


@pytest.fixture
def runs(monkeypatch) -> list[str]:
    """The roots of the runs that really linted (not answered from the cache)."""
    done: list[str] = []
    real = runner.run_check

    def spy(paths, **kw):
        done.append(paths[0])
        return real(paths, **kw)

    monkeypatch.setattr(runner, "run_check", spy)
    return done


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["check", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_an_unchanged_repository_is_answered_from_the_cache_with_the_same_report(
    findings_repo, runs, capsys, fmt, private_cache
):
    first = cli(capsys, str(findings_repo), "--format", fmt)
    second = cli(capsys, str(findings_repo), "--format", fmt)
    assert len(runs) == 1
    assert second == first and first[0] == 1
    assert TOKEN not in first[1] + first[2]
    assert not any(TOKEN in p.read_text() for p in private_cache.rglob("*.json"))
    if fmt == "text":
        assert " | " in first[1]  # excerpts are shown from the cache too


@pytest.mark.parametrize("fmt", ["text", "sarif"])
def test_a_new_process_reports_a_cached_run_as_the_run_itself(findings_repo, fmt):
    """What a fresh process prints from the cache, where nothing but the entry was loaded."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    def run() -> subprocess.CompletedProcess:
        argv = [sys.executable, "-m", "obslint", "check", str(findings_repo), "--format", fmt]
        return subprocess.run(
            argv, capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}
        )

    first, second = run(), run()
    assert (second.returncode, second.stdout, second.stderr) == (first.returncode, first.stdout, first.stderr)
    assert first.returncode == 1 and first.stdout


def test_a_changed_file_config_or_option_is_linted_again(findings_repo, runs, capsys):
    root = str(findings_repo)
    cli(capsys, root)
    (findings_repo / "apps" / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    fixed = cli(capsys, root)
    assert len(runs) == 2 and "CORE" not in fixed[1]
    (findings_repo / ".obslint.yaml").write_text("disable: [SEC005]\n")
    cli(capsys, root)
    assert len(runs) == 3
    cli(capsys, root, "--select", "SEC")
    cli(capsys, root, "--select", "SEC")
    assert len(runs) == 4
    (findings_repo / "new-dir").mkdir()
    (findings_repo / "new-dir" / "notes.txt").write_text("any file may be a kustomize input\n")
    cli(capsys, root, "--select", "SEC")
    assert len(runs) == 5


def test_a_file_changed_while_the_run_reads_the_tree_is_not_stored(findings_repo, monkeypatch, capsys, private_cache):
    real = runner.run_check

    def edits_meanwhile(paths, **kw):
        result = real(paths, **kw)
        (findings_repo / "apps" / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n")
        return result

    monkeypatch.setattr(runner, "run_check", edits_meanwhile)
    cli(capsys, str(findings_repo))
    assert not list((private_cache / "v1" / "run").glob("*.json"))


def test_a_cache_inside_the_checked_tree_is_no_input(findings_repo, runs, capsys, monkeypatch):
    monkeypatch.setenv("OBSLINT_CACHE_DIR", str(findings_repo / ".cache" / "obslint"))
    first = cli(capsys, str(findings_repo))
    assert cli(capsys, str(findings_repo)) == first
    assert len(runs) == 1


def test_fail_on_is_applied_to_a_cached_result(findings_repo, runs, capsys):
    root = str(findings_repo)
    assert cli(capsys, root)[0] == 1
    assert cli(capsys, root, "--fail-on", "error")[0] == cli(capsys, root, "--fail-on", "error", "--no-cache")[0]
    assert len(runs) == 2


def test_no_cache_lints_and_stores_nothing(findings_repo, runs, capsys, private_cache):
    cli(capsys, str(findings_repo), "--no-cache")
    cli(capsys, str(findings_repo), "--no-cache")
    assert len(runs) == 2
    assert not list(private_cache.rglob("*.json"))


def test_a_damaged_run_entry_is_linted_again(findings_repo, runs, capsys, private_cache):
    first = cli(capsys, str(findings_repo), "--format", "json")
    (entry,) = (private_cache / "v1" / "run").rglob("*.json")
    doc = json.loads(entry.read_text())
    doc["value"]["findings"] = []  # emptied, as a hostile writer would: the hash no longer matches
    entry.write_text(json.dumps(doc))
    assert cli(capsys, str(findings_repo), "--format", "json") == first
    assert len(runs) == 2


def test_an_entry_of_another_shape_is_linted_again(findings_repo, runs, capsys, private_cache):
    first = cli(capsys, str(findings_repo))
    (entry,) = (private_cache / "v1" / "run").rglob("*.json")
    doc = json.loads(entry.read_text())
    store.put("run", doc["key"], {"findings": "not a list"})
    assert cli(capsys, str(findings_repo)) == first
    assert len(runs) == 2


# --- tool outputs ----------------------------------------------------------------------------


def test_promtool_is_not_run_again_on_the_same_rules(repo, monkeypatch):
    require_tool("promtool")
    import obslint.tools as tools
    from tests.conftest import check

    started: list[str] = []
    real = tools.run_tool
    monkeypatch.setattr(tools, "run_tool", lambda argv, **kw: started.append(argv[0]) or real(argv, **kw))
    rule = (
        "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: r, namespace: m}\n"
        "spec:\n  groups:\n    - name: g\n      rules:\n        - record: x:y\n          expr: sum(up{N})\n"
    )
    first = check(repo({"r.yaml": rule.replace("{N}", "")}), select=["PROM001"]).findings
    assert len(started) == 1
    assert check(repo({"r.yaml": rule.replace("{N}", "")}), select=["PROM001"]).findings == first
    assert len(started) == 1
    broken = check(repo({"r.yaml": rule.replace("{N}", " by (")}), select=["PROM001"]).findings
    assert len(started) == 2 and broken


@pytest.fixture
def committed_repo(findings_repo: Path) -> Path:
    git(findings_repo, "init", "-q")
    git(findings_repo, "add", ".")
    git(findings_repo, "commit", "-qm", "init")
    return findings_repo


NEW_MISTAKE = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: n}\ndata:\n  k: a\n  k: b\n"


def test_diff_and_baseline_narrow_a_cached_run_as_a_fresh_one(committed_repo, runs, capsys, tmp_path):
    """A cached result carries its findings' fingerprints: --diff and --baseline match it against
    REF's run and the baseline as they match a fresh run (REF's tree is never answered from the cache)."""
    root = str(committed_repo)
    (committed_repo / "apps" / "new.yaml").write_text(NEW_MISTAKE)
    fresh = cli(capsys, root, "--diff", "HEAD", "--format", "sarif", "--no-cache")
    first = cli(capsys, root, "--diff", "HEAD", "--format", "sarif")
    cached = cli(capsys, root, "--diff", "HEAD", "--format", "sarif")
    assert len(runs) == 5  # two fresh runs, one from the cache: each with a run of HEAD's tree
    assert fresh == first == cached
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in _sarif(cached)] == [
        "apps/new.yaml"
    ]
    baseline = str(tmp_path / "baseline.json")
    assert cli(capsys, root, "--write-baseline", baseline)[0] == 0  # from the cache
    assert cli(capsys, root, "--baseline", baseline, "--no-cache")[0] == 0
    assert cli(capsys, root, "--baseline", baseline)[0] == 0
    assert len(runs) == 6


def _sarif(report: tuple[int, str, str]) -> list[dict]:
    return json.loads(report[1])["runs"][0]["results"]


def test_the_key_follows_what_git_lists(committed_repo, runs, capsys):
    root = str(committed_repo)
    first = cli(capsys, root)
    (committed_repo / ".git" / "info" / "exclude").write_text("scratch/\n")
    (committed_repo / "scratch").mkdir()
    (committed_repo / "scratch" / "notes.yaml").write_text(NEW_MISTAKE)  # ignored: not read, not hashed
    assert cli(capsys, root) == first
    assert len(runs) == 1
    git(committed_repo, "add", "-f", "scratch/notes.yaml")  # tracked now: listed and linted
    tracked = cli(capsys, root)
    assert len(runs) == 2 and "scratch/notes.yaml" in tracked[1]


def test_the_runners_file_size_cap_is_part_of_the_key(findings_repo, runs, capsys, monkeypatch):
    root = str(findings_repo)
    (findings_repo / "apps" / "big.yaml").write_text("# " + "x" * 200_000 + "\na: 1\n")
    assert "over the" not in cli(capsys, root)[1]
    assert "over the" in cli(capsys, root, "--max-file-size-mb", "0.1")[1]
    monkeypatch.setenv("OBSLINT_MAX_FILE_SIZE_MB", "0.1")
    assert "over the" in cli(capsys, root)[1]
    assert len(runs) == 2  # the flag and the variable set the same cap


def test_a_run_in_which_a_tool_ran_out_of_time_is_not_stored(findings_repo, monkeypatch, capsys, private_cache):
    from obslint.index import Index

    real = Index.build

    def timing_out(*args, **kwargs):
        index = real(*args, **kwargs)
        index.unfinished("amtool check-config timed out")
        return index

    monkeypatch.setattr(Index, "build", timing_out)
    cli(capsys, str(findings_repo))
    assert not list((private_cache / "v1" / "run").glob("*.json"))
