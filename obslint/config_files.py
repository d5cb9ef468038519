"""Which files can configure a run: --config, else .obslint.yaml/.yml at the root, else the
`[tool.obslint]` table of its pyproject.toml (obslint.config reads them)."""

from __future__ import annotations

import os

CONFIG_NAMES = (".obslint.yaml", ".obslint.yml")


def config_base(root: str) -> str:
    return root if os.path.isdir(root) else os.path.dirname(root) or "."


def candidate_files(root: str, explicit: str | None = None) -> list[str]:
    """Every file whose content can decide the configuration, in the order they are tried."""
    if explicit:
        return [explicit]
    base = config_base(root)
    return [os.path.join(base, name) for name in (*CONFIG_NAMES, "pyproject.toml")]
