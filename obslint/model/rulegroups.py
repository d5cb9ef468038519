"""Every Prometheus/Loki rule group the repository defines, wherever it is written.

Sources (each becomes one `RuleSet`, the unit Prometheus or Loki loads as one rule file):

* PrometheusRule objects (monitoring.coreos.com): `spec.groups`;
* VMRule objects (operator.victoriametrics.com): `spec.groups`, engine "metricsql";
* kube-prometheus-stack HelmRelease values: `additionalPrometheusRulesMap` (one PrometheusRule per
  key) and the deprecated list `additionalPrometheusRules` (`[{name, groups}]`); the chart labels
  those objects so its own Prometheus selects them;
* prometheus-community `prometheus` chart values: `serverFiles.<file>.groups`;
* loki HelmRelease values: `ruler.directories.<tenant>.<file>` (text or mapping), LogQL;
* ConfigMaps whose data keys hold a rule file (`groups:` with rules that have `expr`); LogQL when
  the ConfigMap carries the Loki rules-sidecar label (`sidecar.rules.label`, default `loki_rule`)
  or its expressions use LogQL pipelines;
* plain YAML files with a top-level `groups:` of rules; LogQL when a kustomize configMapGenerator
  labels them for the Loki sidecar, or their expressions use LogQL pipelines.

Positions are kept: every RuleEntry knows where its rule and its expression stand in the real
file, also when the rule file is text inside a ConfigMap or HelmRelease value.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from obslint.findings import Loc
from obslint.index import Index, memoised
from obslint.load import EmbeddedSource, SourceFile, YMap, YSeq
from obslint.model.chart_facts import loki_rules_label
from obslint.model.helm import HelmReleaseView, releases_of_chart
from obslint.objects import Cluster, K8sObject, dig

PROMETHEUS_OPERATOR_GROUP = "monitoring.coreos.com"


@dataclass(eq=False, slots=True)  # slots, positions on demand: a repository can hold 100,000 rules
class RuleEntry:
    kind: str  # "alert" | "record"
    name: str
    expr: str
    labels: dict
    annotations: dict
    for_: str | None
    data: YMap
    group: RuleGroup
    index: int  # 0-based position in its group
    _parsed: tuple[Any, str | None] | None = None  # obslint.model.promql.parsed's cache

    @property
    def loc(self) -> Loc:
        """The `alert:`/`record:` key (the rule mapping when neither is set)."""
        r = self.data
        for key in ("alert", "record"):
            if key in r:
                return r.key_loc(key)
        return r.loc()

    @property
    def expr_loc(self) -> Loc:
        """First character of the expression text."""
        return _expr_loc(self.data)

    @property
    def engine(self) -> str:
        return self.group.engine

    @property
    def is_alert(self) -> bool:
        return self.kind == "alert"

    def loc_of(self, *path: Any) -> Loc:
        from obslint.objects import loc_of

        return loc_of(self.data, *path)

    @property
    def ast(self) -> Any:
        """The PromQL AST (promql_parser), None when the expression does not parse or is LogQL."""
        from obslint.model.promql import parsed

        return parsed(self)[0]

    @property
    def parse_error(self) -> str | None:
        from obslint.model.promql import parsed

        return parsed(self)[1]

    def __repr__(self) -> str:
        return f"<RuleEntry {self.kind} {self.name!r} at {self.loc}>"


@dataclass(eq=False)
class RuleGroup:
    name: str
    source: K8sObject | SourceFile
    engine: str  # "promql" | "logql" | "metricsql"
    interval: str | None
    rules: list[RuleEntry]
    loc: Loc
    data: YMap
    ruleset: RuleSet
    index: int  # 0-based position in its rule set

    @property
    def origin(self) -> str:
        return self.ruleset.origin

    @property
    def cluster(self) -> Cluster | None:
        return self.ruleset.cluster

    def __repr__(self) -> str:
        return f"<RuleGroup {self.name!r} ({self.engine}) at {self.loc}>"


@dataclass(eq=False)
class RuleSet:
    """One rule file as the evaluating component sees it (a PrometheusRule, a ConfigMap key, a file)."""

    id: int
    description: str  # human-readable: "PrometheusRule monitoring/foo", "file rules/x.yaml", ...
    origin: str  # prometheusrule | vmrule | helm-additional | helm-serverfiles | loki-directories | configmap | file
    source: K8sObject | SourceFile
    engine: str
    node: YMap  # the mapping holding `groups`
    groups: list[RuleGroup] = field(default_factory=list)
    # Selection facts (for PrometheusRule-like sources): the object's namespace and labels as the
    # operator sees them; release = the HelmRelease that renders it (values-defined rules).
    namespace: str | None = None
    labels: dict = field(default_factory=dict)
    release: HelmReleaseView | None = None
    cluster: Cluster | None = None  # the cluster that loads it

    @property
    def loc(self) -> Loc:
        return self.node.loc("groups") if "groups" in self.node else self.node.loc()

    @property
    def file(self) -> SourceFile:
        src = self.source
        return src.file if isinstance(src, K8sObject) else src

    @property
    def rules(self) -> Iterator[RuleEntry]:
        for g in self.groups:
            yield from g.rules


# --- helpers -------------------------------------------------------------------------------------


def _str(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _expr_loc(rule: YMap) -> Loc:
    if "expr" not in rule:
        return rule.loc()
    if isinstance(rule.get("expr"), str):
        src = EmbeddedSource.from_value(rule, "expr")
        if src is not None:
            text = src.text
            # skip leading blank lines/indentation so the Loc points at the first token
            line, col = 1, 1
            for ch in text:
                if ch == "\n":
                    line, col = line + 1, 1
                elif ch in " \t":
                    col += 1
                else:
                    break
            return src.loc(line, col)
    return rule.loc("expr")


GROUP_KEYS = frozenset({"name", "interval", "limit", "rules", "query_offset", "labels", "partial_response_strategy"})


def looks_like_rule_file(node: Any) -> bool:
    """A mapping with `groups:` in the Prometheus/Loki rule format: groups hold rules with
    `expr`/`alert`/`record`, or (for rules-less files) the mapping has only `groups` and each
    group only rule-group keys."""
    if not isinstance(node, dict):
        return False
    groups = node.get("groups")
    if not isinstance(groups, list) or not groups:
        return False
    seen_rule = False
    for g in groups:
        if not isinstance(g, dict):
            continue
        rules = g.get("rules")
        if not isinstance(rules, list):
            continue
        for r in rules:
            if isinstance(r, dict) and ("expr" in r or "alert" in r or "record" in r):
                if "uid" in r or "grafana_alert" in r or "datasourceUid" in r:  # Grafana alerting
                    return False
                seen_rule = True
    if seen_rule:
        return True
    return set(node) == {"groups"} and all(isinstance(g, dict) and "name" in g and set(g) <= GROUP_KEYS for g in groups)


def _build_set(rs: RuleSet) -> RuleSet:
    groups = rs.node.get("groups")
    if not isinstance(groups, YSeq):
        return rs
    for gi, g in enumerate(groups):
        if not isinstance(g, YMap):
            continue
        name = _str(g.get("name")) or ""
        group = RuleGroup(
            name=name,
            source=rs.source,
            engine=rs.engine,
            interval=_str(g.get("interval")),
            rules=[],
            loc=g.key_loc("name") if "name" in g else g.loc(),
            data=g,
            ruleset=rs,
            index=gi,
        )
        rules = g.get("rules")
        if isinstance(rules, YSeq):
            for ri, r in enumerate(rules):
                if not isinstance(r, YMap):
                    continue
                key = "alert" if "alert" in r else "record" if "record" in r else None
                kind = key or "alert"
                expr = r.get("expr")
                group.rules.append(
                    RuleEntry(
                        kind=kind,
                        name=(_str(r.get(key)) or "") if key else "",
                        expr=expr if isinstance(expr, str) else (_str(expr) or ""),
                        labels=_dict(r.get("labels")),
                        annotations=_dict(r.get("annotations")),
                        for_=_str(r.get("for")),
                        data=r,
                        group=group,
                        index=ri,
                    )
                )
        rs.groups.append(group)
    return rs


def has_logql_syntax(expr: str) -> bool:
    """True when the expression uses LogQL-only syntax: a `|` pipeline stage outside string literals.

    PromQL has no `|` token at all, so this tokenizer-level test is exact for PromQL."""
    quote: str | None = None
    escaped = False
    for ch in expr:
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\" and quote != "`":
                escaped = True
            elif ch == quote:
                quote = None
        elif ch in "\"'`":
            quote = ch
        elif ch == "#":  # PromQL comment: skip to end of line
            quote = "\n"
        elif ch == "|":
            return True
    return False


def _engine_by_expr(node: YMap) -> str:
    for g in node.get("groups") or ():
        for r in dig(g, "rules", default=None) or ():
            expr = r.get("expr") if isinstance(r, dict) else None
            if isinstance(expr, str) and has_logql_syntax(expr):
                return "logql"
    return "promql"


def _loki_rule_labels(index: Index) -> set[str]:
    labels = {loki_rules_label()}
    for rel in releases_of_chart(index, "loki", "loki-stack", "loki-distributed", "loki-simple-scalable"):
        label = rel.value("sidecar", "rules", "label")
        if isinstance(label, str) and label:
            labels.add(label)
    return labels


def _loki_generated_files(index: Index, loki_labels: set[str]) -> set[str]:
    """Files that a kustomize configMapGenerator turns into ConfigMaps labelled for the Loki sidecar."""
    out: set[str] = set()
    for k in index.of_kind("Kustomization", group="kustomize.config.k8s.io"):
        base = posixpath.dirname(k.file.rel)
        common = _dict(dig(k.data, "generatorOptions", "labels"))
        gens = k.get("configMapGenerator")
        if not isinstance(gens, list):
            continue
        for gen in gens:
            if not isinstance(gen, dict):
                continue
            labels = {**common, **_dict(dig(gen, "options", "labels"))}
            if not loki_labels & set(labels):
                continue
            for entry in gen.get("files") or ():
                if isinstance(entry, str):
                    path = entry.split("=", 1)[-1].strip()
                    out.add(posixpath.normpath(posixpath.join(base, path)))
    return out


# --- the provider --------------------------------------------------------------------------------


@memoised
def rule_sets(index: Index) -> list[RuleSet]:
    sets: list[RuleSet] = []

    def add(**kw: Any) -> None:
        rs = RuleSet(id=len(sets), **kw)
        sets.append(_build_set(rs))

    # PrometheusRule objects
    for obj in index.of_kind("PrometheusRule", group=PROMETHEUS_OPERATOR_GROUP):
        if obj.sops or not isinstance(obj.data.get("spec"), YMap):
            continue
        add(
            description=f"PrometheusRule {obj.ref().split(' ', 1)[1]}",
            origin="prometheusrule",
            source=obj,
            engine="promql",
            node=obj.data["spec"],
            namespace=obj.namespace,
            labels=obj.labels,
            cluster=obj.cluster,
        )

    # VMRule objects (VictoriaMetrics/operator api/operator/v1beta1/vmrule_types.go): PrometheusRule-
    # shaped, MetricsQL expressions, evaluated by vmalert
    from obslint.model.victoriametrics import VM_GROUP, gaps_notice

    for obj in index.of_kind("VMRule", group=VM_GROUP):
        if obj.sops or not isinstance(obj.data.get("spec"), YMap):
            continue
        add(
            description=f"VMRule {obj.ref().split(' ', 1)[1]}",
            origin="vmrule",
            source=obj,
            engine="metricsql",
            node=obj.data["spec"],
            namespace=obj.namespace,
            labels=obj.labels,
            cluster=obj.cluster,
        )
    gaps_notice(index, "VMRule")

    # kube-prometheus-stack values
    for rel in releases_of_chart(index, "kube-prometheus-stack"):
        if rel.obj.sops:
            continue
        amap = rel.value("additionalPrometheusRulesMap")
        alist = rel.value("additionalPrometheusRules")
        entries = [
            *(
                (f"additionalPrometheusRulesMap.{key}", node)
                for key, node in (amap.items() if isinstance(amap, dict) else ())
            ),
            *(
                (f"additionalPrometheusRules[{i}]", node)
                for i, node in enumerate(alist if isinstance(alist, list) else ())
            ),
        ]
        for where, node in entries:
            if isinstance(node, YMap) and isinstance(node.get("groups"), list):
                add(
                    description=f"{rel.obj.ref()} {where}",
                    origin="helm-additional",
                    source=rel.obj,
                    engine="promql",
                    node=node,
                    namespace=rel.namespace,
                    labels=_dict(node.get("additionalLabels")),
                    release=rel,
                    cluster=rel.obj.cluster,
                )

    # prometheus-community/prometheus chart: serverFiles.<file>: {groups: [...]}
    for rel in releases_of_chart(index, "prometheus"):
        files = rel.value("serverFiles")
        if isinstance(files, dict) and not rel.obj.sops:
            for key, node in files.items():
                if isinstance(node, YMap) and looks_like_rule_file(node):
                    add(
                        description=f"{rel.obj.ref()} serverFiles.{key}",
                        origin="helm-serverfiles",
                        source=rel.obj,
                        engine="promql",
                        node=node,
                        namespace=rel.namespace,
                        release=rel,
                        cluster=rel.obj.cluster,
                    )

    # Loki ruler directories in loki chart values
    for rel in releases_of_chart(index, "loki", "loki-distributed", "loki-simple-scalable"):
        dirs = rel.value("ruler", "directories")
        if not isinstance(dirs, dict) or rel.obj.sops:
            continue
        for tenant, files in dirs.items():
            if not isinstance(files, YMap):
                continue
            for fname, content in files.items():
                node = content
                if isinstance(content, str):
                    emb = index.embedded_yaml(files, fname)
                    node = emb.data if emb else None
                if isinstance(node, YMap) and looks_like_rule_file(node):
                    add(
                        description=f"{rel.obj.ref()} ruler.directories.{tenant}.{fname}",
                        origin="loki-directories",
                        source=rel.obj,
                        engine="logql",
                        node=node,
                        namespace=rel.namespace,
                        release=rel,
                        cluster=rel.obj.cluster,
                    )

    loki_labels = _loki_rule_labels(index)

    # ConfigMaps holding rule files
    for obj in index.of_kind("ConfigMap"):
        data = obj.get("data")
        if obj.sops or not isinstance(data, YMap):
            continue
        loki = bool(loki_labels & set(obj.labels))
        for key, value in data.items():
            if not isinstance(value, str) or "groups" not in value or "expr" not in value:
                continue
            emb = index.embedded_yaml(data, key)
            if emb is None:
                continue
            for node in emb.documents:
                if isinstance(node, YMap) and looks_like_rule_file(node):
                    add(
                        description=f"{obj.ref()} key {key}",
                        origin="configmap",
                        source=obj,
                        engine="logql" if loki else _engine_by_expr(node),
                        node=node,
                        namespace=obj.namespace,
                        labels=obj.labels,
                        cluster=obj.cluster,
                    )

    # Plain rule files
    loki_files = _loki_generated_files(index, loki_labels)
    for sf in index.files:
        if sf.kind != "yaml" or sf.sops:
            continue
        for doc in sf.documents:
            node = doc.data
            if not isinstance(node, YMap) or "kind" in node or "apiVersion" in node:
                continue
            if not looks_like_rule_file(node):
                continue
            for cluster in index.graph.file_clusters(sf.rel) if index.graph is not None else (None,):
                add(
                    description=f"file {sf.rel}",
                    origin="file",
                    source=sf,
                    engine="logql" if sf.rel in loki_files else _engine_by_expr(node),
                    node=node,
                    cluster=cluster,
                )
            break  # Prometheus reads only the first document of a rule file (rulefmt)
    return sets


@memoised
def rule_groups(index: Index) -> list[RuleGroup]:
    """Every rule group of the repository (PromQL and LogQL), in discovery order."""
    return [g for rs in rule_sets(index) for g in rs.groups]


# MetricsQL is a superset of PromQL (https://docs.victoriametrics.com/victoriametrics/metricsql/): the
# checks of PromQL rules see MetricsQL rules too, and judge the expressions that parse as PromQL.
ENGINE_FAMILY = {"metricsql": "promql"}


def all_rules(index: Index, engine: str | None = "promql") -> Iterator[RuleEntry]:
    """Every rule entry (of this engine, "promql" including MetricsQL; all when engine is None)."""
    for g in rule_groups(index):
        if engine is None or g.engine == engine or ENGINE_FAMILY.get(g.engine) == engine:
            yield from g.rules
