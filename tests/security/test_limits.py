"""Hostile input within resource limits: deep PromQL, alias bombs anywhere, exhausted stacks,
long dependsOn chains, and a repository configuration raising the file-size cap.

Whatever a checked repository holds gives findings, never a crash, a hang or memory blow-up. Runs
that could blow up on a regression go through a subprocess with a memory cap and a generous timeout
(times are measured in bench/hostile.py, never asserted here).
"""

from __future__ import annotations

import ast
import base64
import dataclasses
import json
import os
import random
import resource
import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path

import promql_parser as pp
import pytest

from obslint.config import REPOSITORY_MAX_FILE_SIZE_MB, Config, parse_config
from obslint.digraph import Reachability
from obslint.model.flux import flux_graph
from obslint.model.promql import NotParsed, children, parse
from obslint.model.promql_nesting import MAX_NESTING, nesting_depth
from obslint.objects import plain
from obslint.rules import REGISTRY
from tests.conftest import REFERENCE_STACK, ROOT, check, write_repo

MEMORY_CAP = 4 << 30  # a regression fails the test instead of exhausting the machine
TIMEOUT = 600  # generous: a hang fails, a slow machine does not


def run_cli(root: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, dict, str]:
    """`obslint check root --format json` in a child process capped in memory and time."""

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))

    proc = subprocess.run(
        [sys.executable, "-m", "obslint", "check", str(root), "--format", "json", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        preexec_fn=cap,
        check=False,
    )
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 1, 2), f"killed: {proc.returncode}\n{proc.stderr}"
    return proc.returncode, json.loads(proc.stdout) if proc.stdout.strip() else {}, proc.stderr


def findings_of(report: dict, rule: str) -> list[dict]:
    return [f for f in report.get("findings", ()) if f["rule"] == rule]


# --- 1. PromQL nested too deeply for the parser ------------------------------------------------

DEEP = 10_000
HOSTILE_EXPRESSIONS = {
    "Brackets": "(" * DEEP + "up" + ")" * DEEP,
    "Negations": "-" * DEEP + "up",
    "Aggregations": "sum(" * DEEP + "up" + ")" * DEEP,
    "Chain": " + ".join(["up"] * DEEP),
    "Substituted": "(" * DEEP + 'up{job="${JOB}"}' + ")" * DEEP,
}


def _rule_file(rules: dict[str, str]) -> str:
    entries = "".join(
        f"        - alert: {name}\n          expr: {json.dumps(expr)}\n          for: 5m\n"
        "          labels: {severity: warning}\n          annotations: {summary: s}\n"
        for name, expr in rules.items()
    )
    return (
        "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: r, namespace: monitoring}\n"
        f"spec:\n  groups:\n    - name: g\n      rules:\n{entries}"
    )


@pytest.mark.parametrize("promtool", ["built-in parser", "promtool when installed"])
def test_deeply_nested_promql_is_a_finding_not_a_crash(tmp_path, promtool):
    root = write_repo(tmp_path, {"rules.yaml": _rule_file({"Fine": "up == 0", **HOSTILE_EXPRESSIONS})})
    env = {"OBSLINT_PROMTOOL": "/nonexistent"} if promtool == "built-in parser" else {}
    _, report, _ = run_cli(root, "--select", "PROM", env=env)
    deep = {f["message"].split("'")[1]: f for f in findings_of(report, "PROM001") if "nests" in f["message"]}
    assert set(deep) == set(HOSTILE_EXPRESSIONS)
    for f in deep.values():
        assert f"more than the {MAX_NESTING} obslint parses" in f["message"] and "not checked" in f["message"]
        assert "rejects" not in f["message"]  # Prometheus itself accepts them


def _tree_depth(node) -> int:
    best, stack = 0, [(node, 1)]
    while stack:
        n, d = stack.pop()
        best = max(best, d)
        stack.extend((c, d + 1) for c in children(n))
    return best


def _reference_expressions() -> list[str]:
    from obslint.model.rulegroups import all_rules

    return [e.expr for e in all_rules(check(REFERENCE_STACK).index) if e.engine == "promql"]


SHAPES = [
    "(" * 40 + "up" + ")" * 40,
    "-" * 40 + "up",
    " / ".join(["rate(x[5m])"] * 40),
    "sum by (job) (" * 20 + "up" + ")" * 20,
    "max_over_time((" * 15 + "up" + ")[5m:1m])" * 15,
    "a ^ b ^ c ^ d > bool 1 and on (x) e unless f or g atan2 on (z) group_left (y) h",
    'up{job="(((((((((("} offset 5m @ 100 # ((((((\n + 1',
    "histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m]))) > -(+1e-3)",
]


def test_the_nesting_bound_covers_the_syntax_tree():
    expressions = [*SHAPES, *_reference_expressions()]
    for expr in expressions:
        depth = _tree_depth(pp.parse(expr))
        assert nesting_depth(expr) + 1 >= depth, expr
    # brackets in strings and comments do not nest
    assert nesting_depth('up{a="((((((("} or `))))` == "(((" # ((((\n') == nesting_depth('up{a=""} or `` == ""')


def test_the_nesting_cap_is_exact():
    at_cap = "(" * MAX_NESTING + "up" + ")" * MAX_NESTING
    assert parse(at_cap)[0] is not None
    over = "(" * (MAX_NESTING + 1) + "up" + ")" * (MAX_NESTING + 1)
    ast_, error = parse(over)
    assert ast_ is None and isinstance(error, NotParsed)


# --- 2. alias bombs wherever YAML is read ------------------------------------------------------


def _bomb(indent: str, levels: int = 7) -> str:
    """Anchors each repeating the previous ten times: 10**levels nodes from `levels` lines."""
    lines = [f"l1: &l1 [{', '.join(['x'] * 10)}]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(2, levels + 1)]
    return "".join(f"{indent}{line}\n" for line in lines)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


AM_CONFIG = "route: {receiver: x}\nreceivers: [{name: x}]\n"
BOMB_PLACES = {
    "secret-data.yaml": (
        "apiVersion: v1\nkind: Secret\nmetadata: {name: alertmanager-main, namespace: monitoring}\n"
        f"data:\n  alertmanager.yaml: {_b64(AM_CONFIG + _bomb(''))}\n"
    ),
    "configmap.yaml": (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: rules, namespace: monitoring}\ndata:\n  rules.yaml: |\n"
        "    groups: [{name: g, rules: [{alert: A, expr: up == 0}]}]\n" + _bomb("    ")
    ),
    "helmrelease.yaml": (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n"
        "metadata: {name: kube-prometheus-stack, namespace: monitoring}\n"
        "spec:\n  chart: {spec: {chart: kube-prometheus-stack, sourceRef: {kind: HelmRepository, name: p}}}\n"
        "  values:\n    alertmanager:\n      stringConfig: |\n"
        + textwrap.indent(AM_CONFIG, "        ")
        + _bomb("        ")
    ),
    "storageclass.yaml": (
        "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: local\n  annotations:\n"
        "    cas.openebs.io/config: |\n" + _bomb("      ") + "provisioner: openebs.io/local\n---\n"
        # a volume of that class, so that obslint reads the class's configuration
        "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k8s, namespace: monitoring}\n"
        "spec: {storage: {volumeClaimTemplate: {spec: {storageClassName: local}}}}\n"
    ),
}


def test_an_alias_bomb_inside_a_value_is_a_finding(tmp_path):
    root = write_repo(tmp_path, BOMB_PLACES)
    _, report, _ = run_cli(root)
    flagged = {f["path"] for f in findings_of(report, "CORE006") if "alias bomb" in f["message"]}
    assert flagged == set(BOMB_PLACES)
    secret = next(f for f in findings_of(report, "CORE006") if f["path"] == "secret-data.yaml")
    assert secret["line"] == 5  # the base64 value itself: the decoded text has no lines in the file


def test_an_alias_bomb_spread_over_many_documents_is_refused(tmp_path):
    # each document expands to 111,111 nodes, below the per-document cap; together 3.3 million
    doc = _bomb("", levels=5) + "top: [*l5]\n"
    root = write_repo(tmp_path, {"many.yaml": "---\n".join([doc] * 30)})
    _, report, _ = run_cli(root)
    (f,) = findings_of(report, "CORE001")
    assert "alias bomb" in f["message"]


def test_an_alias_bomb_in_the_configuration_is_a_usage_error(tmp_path):
    root = write_repo(tmp_path, {".obslint.yaml": _bomb(""), "ns.yaml": "apiVersion: v1\nkind: Namespace\n"})
    rc, _, stderr = run_cli(root)
    assert rc == 2 and "alias bomb" in stderr and ".obslint.yaml" in stderr


# The only YAML parses allowed outside obslint.load.yamlfile: `obslint init` round-trips the files
# of the packaged reference stack (obslint's own, not the checked repository's), and `--fix`
# round-trips only files the capped loader read without a problem (obslint.fix.apply._unsafe), so
# within its depth and alias limits.
_PARSE_CALLS = {"load", "safe_load", "load_all", "safe_load_all", "full_load", "unsafe_load", "compose", "parse"}
_ALLOWED = {
    "obslint/load/yamlfile.py": {"yaml.parse"},
    "obslint/commands/init.py": {"YAML", "yaml.load_all"},
    "obslint/fix/yamledit.py": {"YAML", "yaml.load_all"},
}


def test_every_yaml_parse_goes_through_the_capped_loader():
    """No module parses YAML but the capped loader: `yaml.<parse>(...)` calls, and any name taken
    from PyYAML or ruamel.yaml that parses."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / "obslint").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[-1] == "yaml":
                names = {a.name for a in node.names} & (_PARSE_CALLS | {"YAML", "SafeLoader", "CSafeLoader"})
                found.setdefault(rel, set()).update(names)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                fn = node.func
                if isinstance(fn.value, ast.Name) and fn.value.id == "yaml" and fn.attr in _PARSE_CALLS:
                    found.setdefault(rel, set()).add(f"yaml.{fn.attr}")
    assert {rel: names for rel, names in found.items() if names} == _ALLOWED


# --- 3. running out of stack is a finding -------------------------------------------------------


def _route_tree(depth: int) -> str:
    lines = ["route:", "  receiver: x"]
    for i in range(depth):
        pad = "  " * (i + 1)
        lines += [f"{pad}routes:", f"{pad}- receiver: x", f"{pad}  matchers: ['level=\"{i}\"']"]
    return "\n".join([*lines, "receivers:", "- name: x", ""])


@pytest.mark.slow
def test_a_deep_route_tree_is_checked(tmp_path):
    """240 nested routes (480 YAML levels, within the loader's 500): PyYAML's emitter, which wrote
    the amtool input, recursed past Python's limit; every AM rule now sees the tree."""
    secret = (
        "apiVersion: v1\nkind: Secret\nmetadata: {name: alertmanager-main, namespace: monitoring}\n"
        "stringData:\n  alertmanager.yaml: |\n" + textwrap.indent(_route_tree(240), "    ")
    )
    result = check(write_repo(tmp_path, {"am.yaml": secret}))
    assert not result.errors, result.errors
    assert "CORE006" not in {f.rule for f in result.findings}
    # the deepest route needs every level's matcher: level="0" and level="1" contradict
    assert any(f.rule == "AM005" for f in result.findings)


def test_plain_copies_any_depth():
    node: list = []
    deepest = node
    for _ in range(5000):
        deepest.append([])
        deepest = deepest[0]
    copy = plain({"a": node})
    for _ in range(5001):  # "a", then 5000 lists down
        copy = copy[0] if isinstance(copy, list) else copy["a"]
    assert copy == []


def test_a_rule_out_of_stack_is_a_finding_where_it_was(tmp_path, monkeypatch):
    def recurse(ctx):
        doc = ctx.index.files[0].documents[0].data

        def down(node):
            return down(node)

        down(doc["metadata"])
        yield from ()

    rule = REGISTRY.lookup("CORE002")
    monkeypatch.setitem(REGISTRY._by_id, rule.id, dataclasses.replace(rule, check=recurse))
    result = check(write_repo(tmp_path, {"ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n"}))
    assert not result.errors, result.errors
    (f,) = [f for f in result.findings if f.rule == "CORE006"]
    assert (f.loc.path, f.loc.line) == ("ns.yaml", 4) and "CORE002 duplicate-key stopped here" in f.message


def test_without_core006_an_exhausted_rule_is_a_notice(tmp_path, monkeypatch):
    def recurse(ctx):
        def down(n):
            return down(n)

        down(0)
        yield from ()

    rule = REGISTRY.lookup("CORE002")
    monkeypatch.setitem(REGISTRY._by_id, rule.id, dataclasses.replace(rule, check=recurse))
    result = check(write_repo(tmp_path, {"ns.yaml": "apiVersion: v1\nkind: Namespace\n"}), ignore=["CORE006"])
    assert not result.errors and not [f for f in result.findings if f.rule == "CORE006"]
    assert any("CORE002 duplicate-key stopped here" in n for n in result.notices)


def test_a_model_that_cannot_be_built_is_one_finding(tmp_path, monkeypatch):
    import obslint.model.flux.world as world

    def exhausted(index):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(world, "render_world", exhausted)
    result = check(write_repo(tmp_path, {"ns.yaml": "apiVersion: v1\nkind: Namespace\n"}))
    assert not result.errors
    (f,) = result.findings
    assert f.rule == "CORE006" and "no rule ran" in f.message


FLUX_APPS = """\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec:
  interval: 10m
  path: ./apps
  prune: true
  sourceRef: {kind: GitRepository, name: flux-system}
"""


def test_kustomize_bases_nested_past_the_limit_are_a_finding(tmp_path):
    n = 150
    files = {"clusters/c/apps.yaml": FLUX_APPS, "apps/kustomization.yaml": "resources: [../b/0]\n"}
    for i in range(n):
        files[f"b/{i}/kustomization.yaml"] = f"resources: [../{i + 1}]\n" if i < n - 1 else "resources: []\n"
    _, report, _ = run_cli(write_repo(tmp_path, files))
    (f,) = findings_of(report, "CORE006")
    assert f["path"].startswith("b/") and "more than 100 levels deep" in f["message"]


def test_a_patch_nested_to_the_loader_limit_is_a_finding_or_applied(tmp_path):
    def nested(leaf: str) -> str:
        return '{"a": ' * 490 + leaf + "}" * 490

    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: monitoring}\ndata: "
    files = {
        "clusters/c/apps.yaml": FLUX_APPS,
        "apps/kustomization.yaml": "resources: [cm.yaml]\npatches:\n- path: patch.yaml\n",
        "apps/cm.yaml": cm + nested('"x"') + "\n",
        "apps/patch.yaml": cm + nested('"y"') + "\n",
    }
    rc, report, _ = run_cli(write_repo(tmp_path, files))
    assert rc != 2
    assert all(f["path"] == "apps/patch.yaml" for f in findings_of(report, "CORE006"))


# --- 4. long dependsOn chains in linear memory ---------------------------------------------------


def _chain(n: int) -> dict[str, str]:
    docs = []
    for i in range(n):
        dep = f"  dependsOn:\n  - name: k{i - 1}\n" if i else ""
        docs.append(FLUX_APPS.replace("name: apps", f"name: k{i}") + dep)
    sync = (
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\n"
        "metadata: {name: flux-system, namespace: flux-system}\n"
        "spec: {interval: 1m, url: 'ssh://git@example.org/repo', ref: {branch: main}}\n---\n"
        + FLUX_APPS.replace("name: apps", "name: flux-system").replace("./apps", "./clusters/c")
    )
    return {
        "clusters/c/flux-system/sync.yaml": sync,
        "clusters/c/chain.yaml": "---\n".join(docs),
        "apps/kustomization.yaml": "resources: []\n",
    }


@pytest.mark.slow
def test_a_long_depends_on_chain_stays_linear(tmp_path):
    n = 3000
    root = write_repo(tmp_path, _chain(n))
    tracemalloc.start()
    try:
        result = check(root)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert not result.errors, result.errors
    g = flux_graph(result.index)
    ks = {k.name: k for k in g.kustomizations}
    assert ks["k0"] in g.kdeps(ks[f"k{n - 1}"]) and ks[f"k{n - 1}"] not in g.kdeps(ks["k0"])
    # what the reachability indexes hold grows with the chain, not with its square
    held = g._kreach.entries() + g._ereach.entries() + g._areach.entries()
    assert held < 20 * n, held
    # a closure per Kustomization took 230 MB here; the model without them takes ~30 MB
    assert peak < 120 * 2**20, peak // 2**20


def _closure(edges: dict[int, list[int]], a: int) -> set[int]:
    seen: set[int] = set()
    stack = list(edges.get(a, ()))
    while stack:
        n = stack.pop()
        if n not in seen:
            seen.add(n)
            stack.extend(edges.get(n, ()))
    return seen


@pytest.mark.parametrize("seed", range(20))
def test_reachability_agrees_with_the_closure(seed):
    rng = random.Random(seed)
    n = rng.randint(2, 40)
    edges = {i: [rng.randrange(n) for _ in range(rng.randint(0, 3))] for i in range(n)}
    reach = Reachability(lambda i: edges.get(i, ()))
    pairs = [(a, b) for a in range(n) for b in range(n)]
    rng.shuffle(pairs)  # answers must not depend on the order nodes are discovered in
    for a, b in pairs:
        assert reach.reaches(a, b) == (b in _closure(edges, a)), (seed, a, b)
    for a in range(n):
        assert set(reach.reachable(a)) == _closure(edges, a)


def test_reachability_of_a_chain_holds_linear_entries():
    n = 20_000
    reach = Reachability(lambda i: [i - 1] if i else [])
    for i in range(n - 1, -1, -1):  # deepest first: the first query walks the whole chain
        assert reach.reaches(i, 0) == (i > 0)
        assert not reach.reaches(0, i)
    assert reach.entries() < 6 * n


# --- 5. the repository's configuration cannot lift the file-size cap -----------------------------


def _config(**values) -> Config:
    return parse_config({k.replace("_", "-"): v for k, v in values.items()}, ".obslint.yaml")


@pytest.mark.parametrize(
    ("repo_mb", "runner_mb", "expected_mb", "noticed"),
    [
        (None, None, 8, False),
        (4, None, 4, False),
        (REPOSITORY_MAX_FILE_SIZE_MB, None, REPOSITORY_MAX_FILE_SIZE_MB, False),
        (1000, None, REPOSITORY_MAX_FILE_SIZE_MB, True),
        (float("inf"), None, REPOSITORY_MAX_FILE_SIZE_MB, True),
        (None, 100, 100, False),
        (1000, 100, 100, True),
        (16, 100, 16, False),
    ],
)
def test_the_file_size_cap(repo_mb, runner_mb, expected_mb, noticed):
    config = _config(max_file_size_mb=repo_mb) if repo_mb is not None else _config()
    size, notice = config.file_size_cap(runner_mb)
    assert size == int(expected_mb * 2**20)
    assert bool(notice) == noticed


def _sparse(path: Path, size: int) -> None:
    with open(path, "wb") as fh:
        fh.truncate(size)


def test_a_repository_configuration_cannot_raise_the_cap_past_the_ceiling(tmp_path):
    root = write_repo(tmp_path, {".obslint.yaml": "max-file-size-mb: 100000\n"})
    _sparse(root / "huge.yaml", int((REPOSITORY_MAX_FILE_SIZE_MB + 8) * 2**20))  # stat'ed, never read
    _, report, stderr = run_cli(root)
    (f,) = findings_of(report, "CORE005")
    assert f"over the {REPOSITORY_MAX_FILE_SIZE_MB:g} MB limit" in f["message"]
    assert "max-file-size-mb 100000 is above" in stderr
    # the person running obslint may raise it (the file is then read: all NUL bytes, skipped as binary)
    for args, env in ((("--max-file-size-mb", "64"), {}), ((), {"OBSLINT_MAX_FILE_SIZE_MB": "64"})):
        _, report, _ = run_cli(root, *args, env=env)
        (f,) = findings_of(report, "CORE005")
        assert "binary content" in f["message"]


def test_the_runner_cap_is_validated(tmp_path):
    root = write_repo(tmp_path, {"ns.yaml": "apiVersion: v1\nkind: Namespace\n"})
    for args, env in ((("--max-file-size-mb", "0"), {}), ((), {"OBSLINT_MAX_FILE_SIZE_MB": "lots"})):
        rc, _, stderr = run_cli(root, *args, env=env)
        assert rc == 2 and "megabytes" in stderr


def test_an_oversized_configuration_file_is_not_read(tmp_path):
    root = write_repo(tmp_path, {"ns.yaml": "apiVersion: v1\nkind: Namespace\n"})
    (root / ".obslint.yaml").write_text("# padding\n" * 200_000)
    rc, _, stderr = run_cli(root)
    assert rc == 2 and "no configuration is that large" in stderr
