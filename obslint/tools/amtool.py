"""`amtool check-config`, once per run over every Alertmanager config obslint extracted.

The configs are written as plain YAML into a private scratch directory (never the repository)
and checked in one invocation. obslint checks receiver settings itself, per Alertmanager release
(obslint.model.alertmanager.schema); amtool adds what that check does not model, and AM014 drops
an amtool error the native check already reports.

amtool is often older than the Alertmanager a chart deploys (Debian ships 0.25;
kube-prometheus-stack 80.x runs 0.30), so errors about fields amtool does not know
(`field x not found in type ...`, strict unmarshalling) are dropped: unknown keys are judged
natively against the release that runs (AM023).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from obslint.index import Index
from obslint.objects import plain
from obslint.tools import Background, ToolResult, find_tool, start_tool

_CHECKING = re.compile(r"^Checking '(?P<file>[^']+)'\s+(?P<status>SUCCESS|FAILED: ?(?P<msg>.*))$")
_UNKNOWN_FIELD = re.compile(r"^\s*line \d+: field \S+ not found in type \S+$")
_SENSITIVE_KEY = re.compile(r"url|key|token|password|secret|routing|auth", re.I)


def _register_secrets(index: Index, node: Any) -> None:
    stack = [node]
    while stack:
        cur = stack.pop()
        items = cur.items() if isinstance(cur, Mapping) else enumerate(cur) if isinstance(cur, list) else ()
        for k, v in items:
            if isinstance(v, (Mapping, list)):
                stack.append(v)
            elif isinstance(v, str) and isinstance(k, str) and _SENSITIVE_KEY.search(k) and len(v) >= 6:
                index.redactor.add(v)


def _parse(output: str) -> dict[str, str]:
    """file name -> error text for each FAILED file of `amtool check-config` output."""
    errors: dict[str, str] = {}
    current: str | None = None
    lines: list[str] = []

    def flush() -> None:
        if current is not None and lines:
            errors[current] = "\n".join(lines).strip()

    for line in output.splitlines():
        m = _CHECKING.match(line)
        if m:
            flush()
            current, lines = None, []
            if m.group("status").startswith("FAILED"):
                current = os.path.basename(m.group("file"))
                lines = [m.group("msg") or ""]
            continue
        if current is not None:
            if not line.strip():
                flush()
                current, lines = None, []
            else:
                lines.append(line)
    flush()
    return errors


def relevant(error: str) -> str | None:
    """The error without version-dependent unknown-field complaints (None when nothing is left)."""
    kept = [ln for ln in error.splitlines() if not _UNKNOWN_FIELD.match(ln)]
    text = "\n".join(kept).strip()
    if not text or text in ("yaml: unmarshal errors:",):
        return None
    return text


@dataclass
class AmtoolCheck:
    """An amtool run in the background, and the file each config was checked as (configs with the
    same text, one per cluster of a fleet, share one file)."""

    run: Background
    files: list[str]


def start_check(index: Index, configs: list[Mapping]) -> AmtoolCheck | None:
    """Start `amtool check-config` on the configs in the background (see `collect`); None without amtool."""
    tool = find_tool("amtool")
    if tool is None:
        index.notice(
            "amtool not found: Alertmanager receiver settings are not validated (install prometheus-alertmanager)"
        )
        return None
    files: dict[str, str] = {}
    names: dict[str, str] = {}  # text -> file name
    order: list[str] = []
    for k, data in enumerate(configs):
        _register_secrets(index, data)
        # JSON is YAML: its encoder, unlike PyYAML's, takes a route tree as deep as the loader allows
        text = json.dumps(plain(data), ensure_ascii=False, indent=1)
        name = names.setdefault(text, f"alertmanager-{k}.yml")
        files[name] = text
        order.append(name)
    run = start_tool("amtool", files, [tool, "check-config", *files], timeout=60, redact=index.redactor.redact)
    return AmtoolCheck(run, order)


def collect(index: Index, check: AmtoolCheck) -> dict[int, str] | None:
    """{position in the configs given to `start_check`: amtool's error} for the configs it rejects."""
    res: ToolResult = check.run.result()
    if res.timed_out:
        index.unfinished("amtool check-config timed out; Alertmanager receiver settings are not validated")
        return None
    by_file = _parse(res.stdout)
    out: dict[int, str] = {}
    for k, name in enumerate(check.files):
        err = by_file.get(name)
        if err:
            text = relevant(err)
            if text:
                out[k] = text
    return out
