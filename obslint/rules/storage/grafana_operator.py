"""GRAF002, GRAF003: grafana-operator resources that reach no Grafana, or name a folder nothing creates."""

from __future__ import annotations

from collections.abc import Iterator

from obslint.findings import Finding, Related, few
from obslint.model.grafana_operator import (
    FOLDER_REFERENCES,
    GRAFANA_OPERATOR_GROUP,
    folder_named,
    matching_grafanas,
    operator_resources,
)
from obslint.model.prometheus import LabelSelector
from obslint.rules import Basis, RuleContext, rule

GRAFANA = """
-- monitoring/grafana.yaml --
apiVersion: grafana.integreatly.org/v1beta1
kind: Grafana
metadata:
  name: grafana
  namespace: monitoring
  labels:
    dashboards: grafana
spec:
  config:
    security: {admin_user: admin}
"""

DASHBOARD = """
-- monitoring/dashboard.yaml --
apiVersion: grafana.integreatly.org/v1beta1
kind: GrafanaDashboard
metadata:
  name: node-exporter
  namespace: monitoring
spec:
  instanceSelector:
    matchLabels:
      dashboards: {selector}
  folderRef: {folder}
  url: https://grafana.com/api/dashboards/1860/revisions/37/download
"""

FOLDER = """
-- monitoring/folder.yaml --
apiVersion: grafana.integreatly.org/v1beta1
kind: GrafanaFolder
metadata:
  name: infrastructure
  namespace: monitoring
spec:
  instanceSelector:
    matchLabels:
      dashboards: grafana
  title: Infrastructure
"""


def _dashboard(selector: str = "grafana", folder: str = "infrastructure") -> str:
    return DASHBOARD.replace("{selector}", selector).replace("{folder}", folder)


def _labels(obj) -> str:
    return LabelSelector.parse({"matchLabels": obj.labels}).describe() if obj.labels else "no labels"


@rule(
    "GRAF002",
    "grafana-instance-not-matched",
    "warning",
    "A grafana-operator resource whose instanceSelector matches no Grafana of its cluster is never applied",
    basis=Basis.ASSUMPTION,
    why="""
        grafana-operator applies a GrafanaDashboard, GrafanaDatasource, GrafanaFolder,
        GrafanaAlertRuleGroup (every resource of grafana.integreatly.org but Grafana itself) to the
        Grafana instances its `spec.instanceSelector` matches, and only to Grafanas in its own
        namespace unless `spec.allowCrossNamespaceImport: true`
        (grafana/grafana-operator api/v1beta1/common.go). A selector that matches none is accepted
        by the API server and does nothing: the dashboard never appears, the datasource is missing.
        Grafanas can come from outside the repository, so this is only reported in a cluster whose
        Grafana objects the repository defines.
    """,
    failing=GRAFANA + _dashboard(selector="grafana-main") + FOLDER,
    passing=GRAFANA + _dashboard() + FOLDER,
    fix="""
        Make the selector match the labels of a Grafana of the cluster (or label the Grafana), and
        set `allowCrossNamespaceImport: true` when the Grafana lives in another namespace.
    """,
)
def grafana_instance_not_matched(ctx: RuleContext) -> Iterator[Finding]:
    for obj in operator_resources(ctx.index):
        match = matching_grafanas(ctx.index, obj)
        if match is None or match.grafanas:
            continue
        selector = match.selector
        elsewhere = [
            g
            for g in ctx.index.of_kind("Grafana", group=GRAFANA_OPERATOR_GROUP)
            if g.cluster == obj.cluster and g.namespace != obj.namespace and selector.matches(g.labels)
        ]
        if elsewhere and not match.cross_namespace:
            g = elsewhere[0]
            yield Finding(
                selector.loc or obj.loc("spec"),
                f"{obj.ref()} selects {selector.describe()}, which only {g.ref()} in another namespace carries, "
                "and cross-namespace import is off: it is never applied",
                hint="set spec.allowCrossNamespaceImport: true, or move it to the Grafana's namespace",
                related=(Related(g.loc("metadata"), f"{g.ref()} matches the selector"),),
                clusters=obj.cluster_names,
            )
            continue
        where = "" if match.cross_namespace else f" in namespace {obj.namespace}"
        if match.candidates:
            have = few([f"{g.name} ({_labels(g)})" for g in match.candidates], 3)
            hint = f"match the labels of a Grafana{where}: {have}"
        else:
            hint = f"no Grafana{where}: set spec.allowCrossNamespaceImport: true or create one here"
        yield Finding(
            selector.loc or obj.loc("spec"),
            f"{obj.ref()} selects {selector.describe()}, which no Grafana{where} carries: it is never applied",
            hint=hint,
            related=tuple(Related(g.loc("metadata"), f"{g.ref()} is not selected") for g in match.candidates[:3]),
            clusters=obj.cluster_names,
        )


@rule(
    "GRAF003",
    "grafana-folder-missing",
    "warning",
    "A grafana-operator resource names in folderRef a GrafanaFolder that nothing in its namespace creates",
    basis=Basis.ASSUMPTION,
    why="""
        `spec.folderRef` of a GrafanaDashboard, GrafanaAlertRuleGroup or GrafanaLibraryPanel (and
        `spec.parentFolderRef` of a GrafanaFolder) names a GrafanaFolder in the same namespace
        (grafana/grafana-operator api/v1beta1/grafanadashboard_types.go). The operator resolves it
        to the folder's UID before it applies the resource; while no such GrafanaFolder exists the
        resource is not applied and waits with a "folder not found" condition. A misspelt name or a
        folder in another namespace leaves the dashboard out of Grafana. Reported in a cluster where
        the repository creates GrafanaFolders; a `folderUID` (a folder made in Grafana itself) is
        not judged.
    """,
    failing=GRAFANA + _dashboard(folder="infra") + FOLDER,
    passing=GRAFANA + _dashboard() + FOLDER,
    fix="""
        Name a GrafanaFolder of the same namespace (`metadata.name`, not its title), or create it.
    """,
)
def grafana_folder_missing(ctx: RuleContext) -> Iterator[Finding]:
    index = ctx.index
    folders = index.of_kind("GrafanaFolder", group=GRAFANA_OPERATOR_GROUP)
    clusters_with_folders = {f.cluster for f in folders}
    for obj in operator_resources(index):
        key = FOLDER_REFERENCES.get(obj.kind)
        name = obj.get("spec", key) if key else None
        if not isinstance(name, str) or not name or "${" in name or "{{" in name:
            continue
        if obj.cluster not in clusters_with_folders:
            continue  # the repository makes no folders here: they may be made elsewhere
        graph = index.graph
        if graph is not None and graph.is_opaque(obj.cluster, obj.namespace):
            continue
        if folder_named(index, name, obj.namespace, obj.cluster):
            continue
        here = sorted({f.name for f in folders if f.cluster == obj.cluster and f.namespace == obj.namespace})
        elsewhere = [f for f in folders if f.cluster == obj.cluster and f.name == name]
        if elsewhere:
            hint = f"GrafanaFolder {name} is in namespace {elsewhere[0].namespace}: folderRef only looks in its own"
        elif here:
            hint = f"GrafanaFolders in namespace {obj.namespace}: {few(here, 4)}"
        else:
            hint = f"create GrafanaFolder {name} in namespace {obj.namespace}"
        yield Finding(
            obj.loc("spec", key),
            f"{obj.ref()} names GrafanaFolder {name} in {key}, which nothing creates in namespace "
            f"{obj.namespace}: it is not applied",
            hint=hint,
            related=tuple(Related(f.loc("metadata"), f"{f.ref()} has that name") for f in elsewhere[:2]),
            clusters=obj.cluster_names,
        )
