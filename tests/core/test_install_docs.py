"""The README's install, pre-commit and GitHub Actions snippets: versions that exist, a hook manifest
pre-commit accepts, and the same texts `obslint init` writes."""

from __future__ import annotations

import re

import pytest

from obslint import __version__
from obslint.scaffold.ci import REPO_PLACEHOLDER, pre_commit_config, workflow
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
TAG = f"v{__version__}"


def readme_blocks(language: str) -> list[str]:
    """The README's fenced code blocks of one language, in order."""
    return re.findall(rf"(?ms)^```{language}\n(.*?)^```$", README)


def pre_commit_snippets() -> list[str]:
    """The README's pre-commit configurations that name the obslint repository."""
    return [b for b in readme_blocks("yaml") if f"- repo: {REPO_PLACEHOLDER}" in b]


def test_readme_pins_the_package_version():
    revs = re.findall(r"(?m)^\s*rev:\s*(\S+)", README)
    assert len(revs) >= 2 and set(revs) == {TAG}, revs
    # pip installs from the repository name the tag too, in the install section and in the workflow
    pins = re.findall(rf"git\+{REPO_PLACEHOLDER}@(v[^\s\"`]+)", README)
    assert pins and set(pins) == {TAG}, pins
    wheels = re.findall(r"obslint-(\S+?)-py3-none-any\.whl", README)
    assert wheels and set(wheels) == {__version__}, wheels


def test_readme_installs_nothing_that_does_not_exist():
    assert not re.search(r"pip install obslint\s*$", README, re.M)
    assert "example.invalid" not in README
    assert "RELEASING.md" in README and (ROOT / "RELEASING.md").is_file()


def test_hook_manifest_is_valid_for_pre_commit():
    clientlib = pytest.importorskip("pre_commit.clientlib")
    (hook,) = clientlib.load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))
    assert hook["id"] == "obslint" and hook["entry"] == "obslint check"
    assert hook["pass_filenames"] is False and hook["always_run"] is True


def test_readme_pre_commit_snippets_are_valid_configs(tmp_path):
    clientlib = pytest.importorskip("pre_commit.clientlib")
    snippets = pre_commit_snippets()
    assert len(snippets) == 2
    for n, text in enumerate([*snippets, pre_commit_config()]):
        path = tmp_path / f"config-{n}.yaml"
        path.write_text(text, encoding="utf-8")
        config = clientlib.load_config(str(path))  # raises InvalidConfigError
        assert [h["id"] for r in config["repos"] for h in r["hooks"]] == ["obslint"]


def test_readme_shows_the_files_init_writes():
    blocks = readme_blocks("yaml")
    assert pre_commit_config() in blocks, "README's local hook differs from what init writes"
    assert workflow() in blocks, "README's workflow differs from what init writes"


def test_releasing_names_the_tag_and_the_build():
    text = (ROOT / "RELEASING.md").read_text(encoding="utf-8")
    assert "obslint/__init__.py" in text
    assert re.search(r"git tag -a v\S+", text)
    assert "pip wheel --no-deps -w dist ." in text and "python -m build" in text
