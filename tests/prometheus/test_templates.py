"""PROM011 template-in-string-literal: template actions inside string arguments never expand."""

from __future__ import annotations

import textwrap

import pytest

from tests.conftest import check


def _rules(description: str) -> str:
    rule = textwrap.dedent(f"""\
        - alert: AppDown
          expr: up == 0
          labels: {{severity: warning}}
          annotations:
            description: '{description}'
        """)
    return "groups:\n  - name: g\n    rules:\n" + textwrap.indent(rule, "      ")


def _run(repo, description: str):
    result = check(repo({"rules.yaml": _rules(description)}), select=["PROM011"])
    assert not result.errors, result.errors
    return result.findings


@pytest.mark.parametrize(
    "description, func",
    [
        ("""{{ query "up{job=\\"{{ $labels.job }}\\"}" }}""", "query"),
        ("""{{ with "up{instance=\\"{{ .Labels.instance }}\\"}" | query }}{{ . | first | value }}{{ end }}""", "query"),
        ("""{{ reReplaceAll "x" "{{ $value }}" $labels.job }}""", "reReplaceAll"),
    ],
)
def test_nested_action_in_string_argument(repo, description, func):
    found = _run(repo, description.replace("'", "''"))
    assert len(found) == 1
    assert f"passed to {func}" in found[0].message and "{{" in found[0].message


@pytest.mark.parametrize(
    "description",
    [
        """{{ range printf "up{job=\\"%s\\"}" $labels.job | query }}{{ .Labels.instance }}{{ end }}""",
        """{{ query "up{job=\\"api\\"}" | first | value }}""",
        # a lone string action prints its text: the escaping idiom of tools that template rules
        """{{ "{{ $labels.job }}" }}""",
        """{{ `{{ $labels.job }}` }}""",
        """{{ printf "%s" "{{" }}""",  # braces without a reference
    ],
)
def test_expanded_or_literal_on_purpose(repo, description):
    assert _run(repo, description.replace("'", "''")) == []
