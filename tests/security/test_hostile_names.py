"""Names from the checked repository (receivers, label values, Kustomization names) cannot drive the
terminal or forge lines in `obslint routes` and `obslint graph`, nor add statements to a DOT or
Mermaid graph."""

from __future__ import annotations

import re

import pytest

from obslint.cli import main

EVIL = "evil\x1b[2J\nnext"  # clears the screen, then starts a line of its own
EVIL_SHOWN = "evil\\x1b[2J\\nnext"
# YAML double-quoted escapes: the file itself holds no control character
EVIL_YAML = '"evil\\e[2J\\nnext"'

ALERTMANAGER = f"""\
route:
  receiver: default
  routes:
    - match: {{team: {EVIL_YAML}}}
      receiver: default
    - match: {{team: plain}}
      receiver: {EVIL_YAML}
receivers:
  - name: default
  - name: {EVIL_YAML}
"""


def _assert_inert(text: str) -> None:
    assert "\x1b" not in text and "evil\n" not in text and "\r" not in text


@pytest.fixture
def alertmanager_yml(tmp_path):
    path = tmp_path / "alertmanager.yml"
    path.write_text(ALERTMANAGER, encoding="utf-8")
    return path


def test_routes_show_escapes_receiver_and_label_values(alertmanager_yml, capsys):
    assert main(["routes", "show", str(alertmanager_yml)]) == 0
    out = capsys.readouterr().out
    _assert_inert(out)
    lines = out.split("\n")
    assert len(lines) == len(["Routing tree:", ".", "default-route", "team=evil", "team=plain", "", ""]), out
    assert lines[3].endswith('{team="evil\\x1b[2J\\nnext"}  receiver: default')  # amtool's \\n, printable's \\x1b
    assert lines[4].endswith(f'{{team="plain"}}  receiver: {EVIL_SHOWN}')


@pytest.mark.parametrize("tree", [[], ["--tree"]])
def test_routes_test_escapes_the_receivers_it_prints(alertmanager_yml, capsys, tree):
    code = main(["routes", "test", str(alertmanager_yml), *tree, "team=plain"])
    out = capsys.readouterr().out
    assert code == 0, out
    _assert_inert(out)
    assert out.rstrip("\n").split("\n")[-1] == EVIL_SHOWN  # the receivers line, whole and escaped
    if tree:
        assert f"receiver: {EVIL_SHOWN}" in out


def test_routes_errors_escape_names_from_the_repository(tmp_path, capsys):
    path = tmp_path / "alertmanager.yml"
    path.write_text(f"route:\n  receiver: {EVIL_YAML}\nreceivers:\n  - name: default\n", encoding="utf-8")
    assert main(["routes", "test", str(path), "a=b"]) == 1
    err = capsys.readouterr().err
    _assert_inert(err)
    assert EVIL_SHOWN in err


KUSTOMIZATION = """\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: {name}
  namespace: flux-system
spec:
  interval: 10m
  path: ./apps
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
{extra}"""
# closes the DOT label and the Mermaid label, then adds a node and an edge of its own
INJECT = 'x"]; injected [label="pwned"]; k0 -> injected; #quot;\\'


@pytest.fixture
def hostile_repo(repo):
    first = KUSTOMIZATION.format(name=EVIL_YAML, extra="")
    inject = INJECT.replace("\\", "\\\\").replace('"', '\\"')
    second = KUSTOMIZATION.format(name=f'"{inject}"', extra=f"  dependsOn: [{{name: {EVIL_YAML}}}]\n")
    return repo({"flux.yaml": first + "---\n" + second, "apps/cm.yaml": "apiVersion: v1\nkind: ConfigMap\n"})


_DOT_NODE = re.compile(r'^  ([kh]\d+) \[label="((?:[^"\\\n]|\\.)*)"(?:, [a-z]+=[a-z0-9]+)*\];$')
_DOT_EDGE = re.compile(r'^  ([kh]\d+) -> ([kh]\d+) \[(?:style=dashed, )?label="(?:dependsOn|applies)"\];$')


def _dot_unquote(text: str) -> str:
    """What Graphviz shows for a label: `\\"` is a quote, `\\\\` a backslash."""
    return re.sub(r"\\(.)", r"\1", text)


def test_dot_labels_stay_inside_their_quotes(hostile_repo, capsys):
    main(["graph", str(hostile_repo), "--format", "dot"])
    captured = capsys.readouterr()
    _assert_inert(captured.out)
    _assert_inert(captured.err)
    lines = captured.out.rstrip("\n").split("\n")
    assert lines[:3] == ["digraph flux {", "  rankdir=LR;", "  node [shape=box, fontname=Helvetica];"]
    assert lines[-1] == "}"
    nodes = {}
    for line in lines[3:-1]:
        node = _DOT_NODE.match(line)
        assert node or _DOT_EDGE.match(line), line
        if node:
            nodes[node.group(1)] = _dot_unquote(node.group(2))
    assert len(nodes) == 2, nodes
    shown = sorted(nodes.values())
    assert shown[0].startswith(f"Kustomization flux-system/{EVIL_SHOWN}")
    assert shown[1].startswith(f"Kustomization flux-system/{INJECT}")
    assert '  k1 -> k0 [label="dependsOn"];' in lines or '  k0 -> k1 [label="dependsOn"];' in lines


_MERMAID_NODE = re.compile(r'^  ([kh]\d+)\["([^"\n]*)"\]$')
_MERMAID_OTHER = re.compile(
    r"^  ([kh]\d+ -->\|dependsOn\| [kh]\d+|[kh]\d+ -\.->\|applies\| [kh]\d+"
    r"|classDef finding .*|class [kh0-9,]+ finding)$"
)


def test_mermaid_labels_stay_inside_their_quotes(hostile_repo, capsys):
    main(["graph", str(hostile_repo)])
    captured = capsys.readouterr()
    _assert_inert(captured.out)
    _assert_inert(captured.err)
    lines = captured.out.rstrip("\n").split("\n")
    assert lines[0] == "flowchart LR"
    nodes = {m.group(1): m.group(2) for m in map(_MERMAID_NODE.match, lines) if m}
    assert len(nodes) == 2, lines
    other = [ln for ln in lines[1:] if not _MERMAID_NODE.match(ln)]
    assert all(_MERMAID_OTHER.match(ln) for ln in other), other
    shown = sorted(re.sub(r"#(quot|35);", lambda m: {"quot": '"', "35": "#"}[m.group(1)], v) for v in nodes.values())
    assert shown[0].startswith(f"Kustomization flux-system/{EVIL_SHOWN}")
    assert shown[1].startswith(f"Kustomization flux-system/{INJECT}")
