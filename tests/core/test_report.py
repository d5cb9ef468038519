"""Related places and clusters in every output format, always through the redactor."""

from __future__ import annotations

import io
import json
from dataclasses import replace

import jsonschema
import pytest

from obslint.findings import Finding, Loc, Related, Severity
from obslint.report import FORMATS, render
from tests.conftest import DATA, check
from tests.secrets.helpers import secret

TOKEN = "tok-Zq8x3LwP4m9N2v"
RELATED = tuple(Related(Loc(f"apps/r{i}.yaml", 10 + i, 3), f"route {i} sends to receiver null") for i in range(7))


@pytest.fixture
def result(repo):
    """A real run (its redactor knows TOKEN from a Secret), with two findings put in its place:
    one with seven related places (one message holding the token) in two clusters, one plain."""
    root = repo({"apps/secret.yaml": secret("hook", body=f"stringData:\n  token: {TOKEN}\n")})
    run = check(root, select=["CORE"])
    related = (*RELATED[:2], Related(Loc("apps/hook.yaml", 4, 5), f"webhook with {TOKEN}"), *RELATED[2:6])
    rich = Finding(
        Loc("apps/a.yaml", 2, 1),
        "alert AppDown can only reach receivers without integrations",
        "route it to a receiver that notifies",
        "AM003",
        "alert-dropped",
        Severity.ERROR,
        related=related,
        clusters=frozenset({"staging", "production"}),
    )
    plain = Finding(Loc("apps/b.yaml", 1, 1), "plain", "", "CORE002", "duplicate-key", clusters=frozenset({"one"}))
    return replace(run, findings=[rich, plain])


def rendered(result, fmt: str) -> str:
    out = io.StringIO()
    render(result, fmt, out)
    return out.getvalue()


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_format_prints_a_secret_held_by_a_related_place(result, fmt):
    out = rendered(result, fmt)
    assert TOKEN not in out
    assert "webhook with <redacted>" in out or fmt == "github"  # github lists places, not messages


def test_json_related_and_clusters(result):
    rich, plain = json.loads(rendered(result, "json"))["findings"]
    assert len(rich["related"]) == 7
    assert rich["related"][0] == {"path": "apps/r0.yaml", "line": 10, "column": 3, "message": RELATED[0].message}
    assert rich["related"][2]["message"].startswith("webhook with <redacted>")
    assert rich["clusters"] == ["production", "staging"]
    assert (plain["related"], plain["clusters"]) == ([], ["one"])


def test_sarif_related_locations_validate(result):
    doc = json.loads(rendered(result, "sarif"))
    schema = json.loads((DATA / "sarif" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.validate(doc, schema)
    rich, plain = doc["runs"][0]["results"]
    locations = rich["relatedLocations"]
    assert [loc["id"] for loc in locations] == list(range(1, 8))
    first = locations[0]
    assert first["message"]["text"] == RELATED[0].message
    assert first["physicalLocation"]["artifactLocation"]["uri"] == "apps/r0.yaml"
    assert first["physicalLocation"]["region"] == {"startLine": 10, "startColumn": 3}
    # Code scanning links related locations only from the message: `[text](id)`, one per id.
    for loc in locations:
        assert f"({loc['id']})" in rich["message"]["text"]
    assert "[apps/r0.yaml:10](1)" in rich["message"]["text"]
    assert rich["properties"] == {"clusters": ["production", "staging"]}
    assert "relatedLocations" not in plain and plain["properties"] == {"clusters": ["one"]}


def test_sarif_escapes_brackets_in_link_text(result):
    odd = replace(result.findings[0], related=(Related(Loc("apps/x[1].yaml", 1, 1), "odd"),))
    text = json.loads(rendered(replace(result, findings=[odd]), "sarif"))["runs"][0]["results"][0]["message"]["text"]
    assert "[apps/x\\[1\\].yaml:1](1)" in text


def test_text_shows_five_related_places_then_a_count(result):
    out = rendered(result, "text")
    block = out.split("apps/b.yaml")[0]
    lines = [line.strip() for line in block.splitlines() if line.strip().startswith("related:")]
    assert lines[0] == f"related: apps/r0.yaml:10:3: {RELATED[0].message}"
    assert len(lines) == 6 and lines[-1] == "related: and 2 more"
    assert "  clusters: production, staging\n" in out
    assert out.count("clusters:") == 1  # a finding in one cluster does not name it


def test_github_annotation_counts_related_places(result):
    first, second = rendered(result, "github").splitlines()
    assert first.startswith("::error file=apps/a.yaml,line=2,col=1,title=AM003 alert-dropped::")
    assert "%0A7 related places: apps/r0.yaml:10, apps/r1.yaml:11, apps/hook.yaml:4, " in first
    assert first.endswith(" and 2 more")
    assert "related" not in second


def test_github_annotation_with_one_related_place(result):
    one = replace(result.findings[0], related=RELATED[:1])
    (line,) = rendered(replace(result, findings=[one]), "github").splitlines()
    assert line.endswith("%0A1 related place: apps/r0.yaml:10")
