"""LOKI008 loki-rules-not-loaded: rule ConfigMaps outside the namespaces the Loki rules sidecar watches."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from obslint.findings import Finding, Loc, cluster_names
from obslint.index import Index
from obslint.model.chart_facts import loki_rules_sidecar_defaults
from obslint.model.helm import HelmReleaseView, releases_of_chart, values_bool
from obslint.model.sidecar import (
    Holder,
    carries,
    generated_holders,
    object_holder,
    search_namespaces,
)
from obslint.model.storage import values_hidden
from obslint.rules import Basis, RuleContext, rule
from obslint.rules.storage.loki import LOKI_HEAD


@dataclass
class RulesSidecar:
    release: HelmReleaseView
    label: str
    label_value: str
    namespaces: set[str] | None  # None: every namespace (or not known)
    kinds: tuple[str, ...]
    loc: Loc

    def describe(self) -> str:
        ns = f"{self.release.namespace}/" if self.release.namespace else ""
        return f"the Loki rules sidecar of HelmRelease {ns}{self.release.obj.name}"


def rules_sidecars(index: Index) -> list[RulesSidecar]:
    out: list[RulesSidecar] = []
    for hr in releases_of_chart(index, "loki"):
        # `sidecar.rules` defaults of the pinned version (obslint.model.chart_facts): none before 5.19.0,
        # then enabled, label loki_rule, any value, searchNamespace null (only the namespace Loki runs
        # in), resource both (ConfigMaps and Secrets).
        defaults = loki_rules_sidecar_defaults(index, hr)
        if defaults is None:
            continue
        rules = hr.value("sidecar", "rules")
        rules = rules if isinstance(rules, dict) else {}
        if not values_bool(rules.get("enabled"), defaults.enabled) or values_hidden(hr, "sidecar.rules", index=index):
            continue  # off, or set by valuesFrom that obslint cannot read
        resource = str(rules.get("resource", defaults.resource)).lower()
        kinds = {"configmap": ("ConfigMap",), "secret": ("Secret",)}.get(resource, ("ConfigMap", "Secret"))
        label = rules.get("label", defaults.label)
        value = rules.get("labelValue", defaults.label_value)
        out.append(
            RulesSidecar(
                hr,
                str(label),
                "" if value is None else str(value),
                search_namespaces(rules.get("searchNamespace", defaults.search_namespace), hr.namespace),
                kinds,
                hr.loc("sidecar", "rules", "searchNamespace"),
            )
        )
    return out


def _holders(index: Index, sidecars: list[RulesSidecar]) -> Iterator[tuple[Holder, str]]:
    kinds = {k for s in sidecars for k in s.kinds}
    # the distinct labels looked for: a handful however many clusters run a sidecar
    wanted_labels = {(s.label, s.label_value) for s in sidecars}

    def carries_any(labels: dict) -> bool:
        return any(carries(labels, label, value) for label, value in wanted_labels)

    for obj in index.of_kind(*sorted(kinds), group=""):
        if carries_any(obj.labels):
            yield object_holder(obj), obj.kind
    if "ConfigMap" in kinds:

        def wanted(_paths: list[str], labels: dict) -> bool:
            return carries_any(labels)

        for holder in generated_holders(index, wanted):
            yield holder, "ConfigMap"


FAILING = (
    LOKI_HEAD.strip("\n")
    + """
    sidecar:
      rules:
        label: loki_rule
-- apps/shop/loki-rules.yaml --
# the sidecar only watches monitoring, where Loki runs
apiVersion: v1
kind: ConfigMap
metadata:
  name: shop-log-alerts
  namespace: shop
  labels:
    loki_rule: "true"
data:
  shop.yaml: |
    groups:
      - name: shop
        rules:
          - alert: ShopPaymentErrors
            expr: sum(count_over_time({namespace="shop"} |= "payment failed" [5m])) > 10
            labels:
              severity: critical
"""
)

PASSING = FAILING.replace("label: loki_rule\n", "label: loki_rule\n        searchNamespace: ALL\n").replace(
    "# the sidecar only watches monitoring, where Loki runs\n", ""
)


@rule(
    "LOKI008",
    "loki-rules-not-loaded",
    "error",
    "A ConfigMap labelled for the Loki rules sidecar sits in a namespace the sidecar does not watch",
    basis=Basis.CERTAIN,
    why="""
        The loki chart (5.19 and later) loads ruler rules through a k8s-sidecar container that
        copies ConfigMaps and Secrets carrying `sidecar.rules.label` (default `loki_rule`, with
        `labelValue` when set) into the ruler's rule directory. It only looks in the namespaces
        of `sidecar.rules.searchNamespace`, whose default (null) is the namespace Loki runs in.
        A rule ConfigMap next to its application in another namespace is applied without error
        and never evaluated: its log-based alerts never fire. ConfigMaps built by a kustomize
        configMapGenerator count too; the namespace is the one kustomize and Flux give the object.
    """,
    failing=FAILING,
    passing=PASSING,
    fix="""
        Put the ConfigMap in Loki's namespace, or let the sidecar search it:
        `sidecar.rules.searchNamespace: ALL` (or a comma-separated list of namespaces).
    """,
)
def loki_rules_not_loaded(ctx: RuleContext) -> Iterator[Finding]:
    sidecars = rules_sidecars(ctx.index)
    if not sidecars:
        return
    by_cluster: dict[Any, list[RulesSidecar]] = {}
    for s in sidecars:
        by_cluster.setdefault(s.release.obj.cluster, []).append(s)
    for holder, kind in _holders(ctx.index, sidecars):
        ns = holder.namespace
        if ns is None:
            continue
        mine = [
            s
            for s in by_cluster.get(holder.cluster, ())
            if kind in s.kinds and carries(holder.labels, s.label, s.label_value)
        ]
        if not mine or any(s.namespaces is None or ns in s.namespaces for s in mine):
            continue
        watched = ", ".join(sorted({n for s in mine for n in s.namespaces or ()}))
        yield Finding(
            holder.namespace_loc,
            f"{holder.ref} is in namespace {ns}, but {mine[0].describe()} only watches {watched}: "
            "its rules are never loaded",
            hint=f"it carries the sidecar's label {mine[0].label}: move it to {watched}, or set "
            "sidecar.rules.searchNamespace (ALL or a list) in the loki values",
            clusters=cluster_names(holder.cluster),
        )
