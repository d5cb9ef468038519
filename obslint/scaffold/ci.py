"""The pre-commit configuration and GitHub Actions workflow `obslint init` writes into a new repository.

README.md shows these texts verbatim (tests/core/test_install_docs.py holds the two to each other), so
the files init writes are installed the way the README documents.

obslint has no public package index entry and its files name no hosting URL, so nothing here can name
where obslint comes from. The pre-commit hook is therefore a `repo: local` hook with `language: system`:
pre-commit runs `obslint check` from PATH, which works as written wherever obslint is installed
(https://pre-commit.com/#repository-local-hooks). The workflow installs obslint with pip from the
repository URL at the release tag; that URL is the one placeholder, OBSLINT_REPO, which init names
in its closing notes.
"""

from __future__ import annotations

from obslint import __version__

PRE_COMMIT_PATH = ".pre-commit-config.yaml"
WORKFLOW_PATH = ".github/workflows/obslint.yaml"
# The URL the user clones obslint from (git URL pip understands after `git+`).
REPO_PLACEHOLDER = "OBSLINT_REPO"

# Fields as in the repository's .pre-commit-hooks.yaml: the checks are cross-file, so the hook lints
# the whole repository on every commit instead of the staged files.
PRE_COMMIT_CONFIG = """\
# obslint {version} as a pre-commit hook (`pre-commit install` once, then every commit is linted).
# It runs the obslint installed on PATH (see obslint's README.md, "Install").
repos:
  - repo: local
    hooks:
      - id: obslint
        name: obslint
        entry: obslint check
        language: system
        pass_filenames: false
        always_run: true
        require_serial: true
"""

# Annotations on the pull request (`--format github`) and code scanning alerts (SARIF upload):
# https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/uploading-a-sarif-file-to-github
WORKFLOW = """\
# obslint on pull requests: findings as annotations and as code scanning alerts.
# OBSLINT_REPO: the URL you clone obslint from.
name: obslint
on:
  pull_request:
  push:
    branches: [main]
jobs:
  obslint:
    runs-on: ubuntu-latest
    permissions: {{security-events: write, contents: read}}
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with: {{python-version: "3.12"}}
      - run: pip install "git+{repo}@v{version}"
      - run: obslint check --format sarif --output obslint.sarif || true
      - uses: github/codeql-action/upload-sarif@v3
        with: {{sarif_file: obslint.sarif}}
      - run: obslint check --format github
"""


def pre_commit_config(version: str = __version__) -> str:
    return PRE_COMMIT_CONFIG.format(version=version)


def workflow(version: str = __version__, repo: str = REPO_PLACEHOLDER) -> str:
    return WORKFLOW.format(version=version, repo=repo)
