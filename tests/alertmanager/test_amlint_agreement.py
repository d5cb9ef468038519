"""Differential test against amlint (PyPI, the `dev` extra): on small Alertmanager configs where
both linters should agree, amlint's check and the obslint rule the README maps it to fire on the
broken config and stay quiet on the corrected one."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

import pytest

from tests.conftest import check, require_tool

BASE = """\
route:
  receiver: team
  group_by: [alertname]
  routes:
    - receiver: pager
      matchers: ['severity="critical"']
receivers:
  - name: team
    webhook_configs: [{url: "https://example.org/team"}]
  - name: pager
    webhook_configs: [{url: "https://example.org/pager"}]
"""

SLACK = """\
  - name: chat
    slack_configs:
      - api_url_file: /etc/alertmanager/slack-url
        channel: "#alerts"
        title: '{title}'
"""


def _with_chat(title: str) -> str:
    return BASE.replace(
        "    - receiver: pager\n", "    - receiver: chat\n      matchers: ['team=\"web\"']\n    - receiver: pager\n"
    ) + (SLACK.format(title=title))


# (case, amlint check, obslint rule, broken config, corrected config)
CASES = [
    (
        "undefined receiver",
        "undefined-receiver",
        "AM001",
        BASE.replace("receiver: pager\n", "receiver: pagr\n", 1),
        BASE,
    ),
    (
        "unused receiver",
        "unused-receiver",
        "AM002",
        BASE + '  - name: spare\n    webhook_configs: [{url: "https://example.org/spare"}]\n',
        BASE,
    ),
    (
        "trailing brace",
        "stripped-brace",
        "AM022",
        BASE.replace("['severity=\"critical\"']", "['instance=~db-[0-9]{2}']"),
        BASE.replace("['severity=\"critical\"']", "['instance=~\"db-[0-9]{2}\"']"),
    ),
    (
        "template parse error",
        "bad-template",
        "AM030",
        _with_chat("{{ range .Alerts }}{{ .Labels.pod }}"),
        _with_chat("{{ range .Alerts }}{{ .Labels.pod }}{{ end }}"),
    ),
    (
        "undefined template function",
        "bad-template",
        "AM030",
        _with_chat("{{ .Status | humanize }}"),
        _with_chat("{{ .Status | toUpper }}"),
    ),
    (
        "undefined template",
        "undefined-template",
        "AM031",
        _with_chat('{{ template "slack.custom.title" . }}'),
        _with_chat('{{ template "slack.default.title" . }}'),
    ),
    (
        "undefined time interval",
        "undefined-time-interval",
        "AM011",
        BASE.replace(
            "      matchers: ['severity=\"critical\"']\n",
            "      matchers: ['severity=\"critical\"']\n      mute_time_intervals: [nights]\n",
        ),
        BASE,
    ),
    (
        "repeat below group interval",
        "repeat-before-group",
        "AM017",
        BASE.replace(
            "  group_by: [alertname]\n", "  group_by: [alertname]\n  group_interval: 10m\n  repeat_interval: 5m\n"
        ),
        BASE.replace(
            "  group_by: [alertname]\n", "  group_by: [alertname]\n  group_interval: 5m\n  repeat_interval: 4h\n"
        ),
    ),
    (
        "group_wait above group_interval",
        "wait-exceeds-interval",
        "AM018",
        BASE.replace("  group_by: [alertname]\n", "  group_by: [alertname]\n  group_wait: 10m\n  group_interval: 5m\n"),
        BASE.replace("  group_by: [alertname]\n", "  group_by: [alertname]\n  group_wait: 30s\n  group_interval: 5m\n"),
    ),
    (
        "deprecated match",
        "deprecated-match",
        "AM016",
        BASE.replace("      matchers: ['severity=\"critical\"']\n", "      match: {severity: critical}\n"),
        BASE,
    ),
    (
        "invalid regex",
        "bad-regex",
        "AM014",
        BASE.replace("['severity=\"critical\"']", "['severity=~\"(critical\"']"),
        BASE.replace("['severity=\"critical\"']", "['severity=~\"(critical)\"']"),
    ),
    (
        "ellipsis with other labels",
        "groupby-ellipsis",
        "AM014",
        BASE.replace("group_by: [alertname]", "group_by: [alertname, '...']"),
        BASE.replace("group_by: [alertname]", "group_by: ['...']"),
    ),
    (
        "route below a catch-all sibling",
        "shadowed-route",
        "AM004",
        BASE.replace(
            "    - receiver: pager\n",
            "    - receiver: team\n      matchers: ['severity=~\".+\"']\n    - receiver: pager\n",
        ),
        BASE,
    ),
]


def _amlint(amlint: str, config: Path) -> set[str]:
    done = subprocess.run(
        [amlint, "check", "--format", "json", "--exit-zero", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return {f["code"] for f in json.loads(done.stdout)}


@pytest.mark.parametrize(("case", "code", "rule", "broken", "fixed"), CASES, ids=[c[0] for c in CASES])
def test_amlint_and_obslint_agree(repo, case, code, rule, broken, fixed):
    amlint = require_tool("amlint")
    for config, fires in ((broken, True), (fixed, False)):
        root = repo({"alertmanager.yml": textwrap.dedent(config)})
        found_amlint = code in _amlint(amlint, root / "alertmanager.yml")
        result = check(root, select=[rule])
        assert not result.errors, result.errors
        found_obslint = rule in {f.rule for f in result.findings}
        assert (found_amlint, found_obslint) == (fires, fires), (
            f"{case}: amlint {code}={found_amlint}, obslint {rule}={found_obslint}, expected {fires}\n{config}"
        )
