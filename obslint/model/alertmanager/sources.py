"""Every Alertmanager configuration of the repository, cluster by cluster, with positions.

Sources (`alertmanager_configs`):

* kube-prometheus-stack HelmRelease values `alertmanager.config`, deep-merged over the chart's
  default config the way Helm merges values (maps merge, lists replace, a null value deletes the
  default key); `alertmanager.stringConfig` when `tplConfig` is set; skipped when
  `alertmanager.enabled: false`, when `alertmanagerSpec.useExistingSecret` points elsewhere, or
  when a values source outside the repository may set `alertmanager` (the config is unknown);
* Alertmanager objects (monitoring.coreos.com/v1) with the Secret holding their config
  (`spec.configSecret`, else `alertmanager-<name>`), when that Secret is in the same cluster and
  not encrypted;
* victoria-metrics-k8s-stack HelmRelease values `alertmanager.config` (obslint.model.alertmanager.vm_stack);
* VMAlertmanager objects (operator.victoriametrics.com): `spec.configRawYaml`, the Secret named by
  `spec.configSecret`, or the operator's default config, with the VMAlertmanagerConfig objects they
  select merged in (obslint.model.alertmanager.vm_configs);
* Secrets and ConfigMaps holding `alertmanager.yaml`/`alertmanager.yml` as text (not encrypted);
* plain YAML files whose top level has `route:` and `receivers:` (once per cluster whose build
  reads them).

AlertmanagerConfig objects (monitoring.coreos.com/v1alpha1) of the same cluster are merged into
the Alertmanager that selects them, as the prometheus-operator does: selected by
`alertmanagerConfigSelector` (labels) and `alertmanagerConfigNamespaceSelector` (namespace labels;
nil = the Alertmanager's own namespace, `{}` = all); their top route gets `continue: true` and,
unless the matcher strategy is `None`, a `namespace="<ns>"` matcher, and is inserted before the
base config's child routes; receiver and time interval names become `<namespace>/<name>/<receiver>`.
References: https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1alpha1.Route
(continue "will always be overridden to true for the first-level route"),
#monitoring.coreos.com/v1.AlertmanagerConfigMatcherStrategy, and the kube-prometheus-stack
template templates/alertmanager/alertmanager.yaml (`alertmanagerConfigSelector: {}` when unset).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from obslint.findings import Loc
from obslint.index import Index, memoised
from obslint.load import SourceFile, YMap, YSeq
from obslint.model.helm import HelmReleaseView, releases_of_chart
from obslint.objects import Cluster, K8sObject, dig
from obslint.routing import AMConfig, Receiver, Route, build_route, load_config, scalar_str

OPERATOR_GROUP = "monitoring.coreos.com"
KPS = "kube-prometheus-stack"
CONFIG_KEYS = ("alertmanager.yaml", "alertmanager.yml")

# kube-prometheus-stack 80.6.0 values.yaml `alertmanager.config` (the chart default Helm merges under
# the user's values).
KPS_DEFAULT_CONFIG: dict = {
    "global": {"resolve_timeout": "5m"},
    "inhibit_rules": [
        {
            "source_matchers": ["severity = critical"],
            "target_matchers": ["severity =~ warning|info"],
            "equal": ["namespace", "alertname"],
        },
        {
            "source_matchers": ["severity = warning"],
            "target_matchers": ["severity = info"],
            "equal": ["namespace", "alertname"],
        },
        {
            "source_matchers": ["alertname = InfoInhibitor"],
            "target_matchers": ["severity = info"],
            "equal": ["namespace"],
        },
        {"target_matchers": ["alertname = InfoInhibitor"]},
    ],
    "route": {
        "group_by": ["namespace"],
        "group_wait": "30s",
        "group_interval": "5m",
        "repeat_interval": "12h",
        "receiver": "null",
        "routes": [{"receiver": "null", "matchers": ['alertname = "Watchdog"']}],
    },
    "receivers": [{"name": "null"}],
    "templates": ["/etc/alertmanager/config/*.tmpl"],
}


@dataclass(eq=False)
class AMConfigObject:
    """An AlertmanagerConfig object merged into an Alertmanager."""

    obj: K8sObject
    namespace: str | None
    route: Route | None  # its top route inside the merged tree
    receivers: dict[str, str]  # namespaced name -> name as written
    problems: list[tuple[str, Loc]] = field(default_factory=list)


@dataclass(eq=False)
class AMSource:
    """One Alertmanager configuration as Alertmanager would load it."""

    name: str  # identifies it for `--alertmanager`: "<namespace>/<name>" or the file path
    origin: str  # helm-values | alertmanager-secret | vmalertmanager | secret | configmap | file
    description: str
    data: Mapping  # the config mapping as loaded (chart defaults merged in for helm values)
    raw: Mapping | None  # the mapping as written in the repo (None when only defaults apply)
    config: AMConfig  # routes, receivers, inhibit rules (AlertmanagerConfig objects merged in)
    file: SourceFile
    anchor: Loc  # where the config starts (for findings about it as a whole)
    namespace: str | None = None
    obj: K8sObject | None = None
    release: HelmReleaseView | None = None
    amconfigs: list[AMConfigObject] = field(default_factory=list)
    defaults_only: bool = False  # the config is entirely the chart's default
    cluster: Cluster | None = None
    # alerts reach this config from rules obslint does not model (what they are): the checks that
    # a route or inhibit rule matches no known alert (AM006, AM010) do not judge it
    unmodelled_alerts: str | None = None

    @property
    def route(self) -> Route | None:
        return self.config.route

    def __repr__(self) -> str:
        return f"<AMSource {self.description} at {self.anchor}>"


# --- positions for merged data -------------------------------------------------------------
def node_loc(node: Any, key: Any = None, fallback: Loc | None = None) -> Loc:
    """Where node[key] (or node) stands; `fallback` when the node came from chart defaults."""
    if isinstance(node, (YMap, YSeq)):
        if key is None:
            return node.loc()
        if isinstance(node, YMap) and key in node:
            return node.loc(key)
        if isinstance(node, YSeq) and isinstance(key, int):
            return node.loc(key)
        return node.loc()
    return fallback or Loc("", 1, 1)


def key_loc(node: Any, key: Any, fallback: Loc | None = None) -> Loc:
    if isinstance(node, YMap) and key in node:
        return node.key_loc(key)
    return node_loc(node, None, fallback)


def from_chart_default(node: Any) -> bool:
    """Was this mapping supplied by the chart's default values (not written in the repository)?"""
    return isinstance(node, YMap) and bool(node) and not node.has_pos()


def _copy_map(user: YMap) -> YMap:
    out = YMap(user.src, user.line, user.col)
    out.copy_positions(user)
    return out


def _anchored(value: Any, anchor: YMap | YSeq) -> Any:
    """Chart-default data as YMap/YSeq positioned at `anchor` (so findings point somewhere real)."""
    if isinstance(value, Mapping):
        m = YMap(anchor.src, anchor.line, anchor.col)
        for k, v in value.items():
            m[k] = _anchored(v, anchor)
        return m
    if isinstance(value, list):
        s = YSeq(anchor.src, anchor.line, anchor.col)
        s.extend(_anchored(v, anchor) for v in value)
        return s
    return value


def helm_merge(default: Any, user: Any, anchor: YMap | YSeq) -> Any:
    """Helm's coalescing of user values over chart defaults: maps merge, a user null deletes."""
    if isinstance(user, YMap) and isinstance(default, Mapping):
        out = _copy_map(user)
        for k, v in default.items():
            if k in user:
                if user[k] is None:
                    continue
                out[k] = helm_merge(v, user[k], user)
            else:
                out[k] = _anchored(v, user)
        for k, v in user.items():
            if k not in out and v is not None:
                out[k] = v
        return out
    if user is None:
        return _anchored(default, anchor)
    return user


# --- label selectors -----------------------------------------------------------------------
def selector_matches(selector: Any, labels: Mapping) -> bool | None:
    """Kubernetes LabelSelector semantics; None when the selector is not understood."""
    if selector is None:
        return None
    if not isinstance(selector, Mapping):
        return None
    labels = {str(k): scalar_str(v) for k, v in labels.items()} if isinstance(labels, Mapping) else {}
    ml = selector.get("matchLabels") or {}
    if not isinstance(ml, Mapping):
        return None
    for k, v in ml.items():
        if labels.get(str(k)) != scalar_str(v):
            return False
    exprs = selector.get("matchExpressions") or []
    if not isinstance(exprs, list):
        return None
    for e in exprs:
        if not isinstance(e, Mapping):
            return None
        key, op = str(e.get("key", "")), e.get("operator")
        values = [scalar_str(v) for v in e.get("values") or []] if isinstance(e.get("values"), list) else []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
        if op not in ("In", "NotIn", "Exists", "DoesNotExist"):
            return None
    return True


def _namespace_labels(index: Index, ns: str | None, cluster: Cluster | None) -> dict | None:
    if ns is None:
        return None
    for obj in index.find("Namespace", ns):
        if obj.cluster != cluster:
            continue
        labels = dict(obj.labels)
        labels.setdefault("kubernetes.io/metadata.name", ns)
        return labels
    return {"kubernetes.io/metadata.name": ns}


# --- AlertmanagerConfig conversion ---------------------------------------------------------
_ROUTE_KEYS = {
    "groupBy": "group_by",
    "groupWait": "group_wait",
    "groupInterval": "group_interval",
    "repeatInterval": "repeat_interval",
    "muteTimeIntervals": "mute_time_intervals",
    "activeTimeIntervals": "active_time_intervals",
    "continue": "continue",
}


def _quote(v: str) -> str:
    return '"' + v.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"') + '"'


def _amc_matchers(raw: Any, like: YMap) -> YSeq:
    out = YSeq(like.src, like.line, like.col)
    if isinstance(raw, YSeq):
        out.line, out.col = raw.line, raw.col
    for k, m in enumerate(raw if isinstance(raw, list) else []):
        if not isinstance(m, Mapping):
            continue
        op = m.get("matchType")
        if op not in ("=", "!=", "=~", "!~"):
            op = "=~" if m.get("regex") is True else "="
        out.append(f"{scalar_str(m.get('name'))}{op}{_quote(scalar_str(m.get('value')))}")
        if isinstance(raw, YSeq):
            out.add_pos(*raw.value_pos(k))
    return out


def _convert_amc_route(node: Mapping, prefix: str, top: bool, ns_matcher: str | None) -> YMap | None:
    if not isinstance(node, YMap):
        return None
    out = _copy_map(node)
    for k, v in node.items():
        if k == "receiver":
            out["receiver"] = f"{prefix}{scalar_str(v)}" if v not in (None, "") else v
            out.copy_pos("receiver", node, k)
        elif k == "matchers":
            out["matchers"] = _amc_matchers(v, node)
        elif k in _ROUTE_KEYS:
            new = _ROUTE_KEYS[k]
            if new in ("mute_time_intervals", "active_time_intervals") and isinstance(v, list):
                v = [f"{prefix}{scalar_str(x)}" for x in v]
            out[new] = v
            if node.has_pos(k):
                out.copy_pos(new, node, k)
            else:
                out.set_pos(new, node.line, node.col, node.line, node.col)
        elif k == "routes" and isinstance(v, list):
            seq = YSeq(v.src, v.line, v.col) if isinstance(v, YSeq) else []
            for child in v:
                conv = _convert_amc_route(child, prefix, False, None)
                if conv is not None:
                    seq.append(conv)
            out["routes"] = seq
    for k in list(out):
        if k not in ("receiver", "matchers", "routes", *_ROUTE_KEYS.values()):
            del out[k]
    if top:
        out["continue"] = True
        if ns_matcher:
            ms = out.get("matchers")
            if not isinstance(ms, YSeq):
                ms = YSeq(node.src, node.line, node.col)
            ms.append(ns_matcher)
            ms.add_pos(node.line, node.col)
            out["matchers"] = ms
    return out


def _amc_receivers(obj: K8sObject, prefix: str) -> list[tuple[str, str, Mapping]]:
    """(namespaced name, name, receiver mapping in alertmanager.yml shape) of an AlertmanagerConfig."""
    out = []
    receivers = obj.spec.get("receivers")
    for r in receivers if isinstance(receivers, list) else []:
        if not isinstance(r, Mapping) or not r.get("name"):
            continue
        full = prefix + scalar_str(r["name"])
        conv: dict = _copy_map(r) if isinstance(r, YMap) else {}
        conv.update(r)
        conv["name"] = full
        for key in list(conv):
            if isinstance(key, str) and key.endswith("Configs"):
                new = key[: -len("Configs")].lower() + "_configs"
                conv[new] = conv.pop(key)
                if isinstance(conv, YMap):
                    conv.copy_pos(new, conv, key)
        out.append((full, scalar_str(r["name"]), conv))
    return out


def _amc_inhibit_rules(obj: K8sObject, ns_matcher: str | None) -> list[Mapping]:
    out = []
    rules = obj.spec.get("inhibitRules")
    for r in rules if isinstance(rules, list) else []:
        if not isinstance(r, YMap):
            continue
        conv = _copy_map(r)
        for side in ("source", "target"):
            ms = _amc_matchers(r.get(f"{side}Match"), r)
            if ns_matcher:
                ms.append(ns_matcher)
                ms.add_pos(r.line, r.col)
            conv[f"{side}_matchers"] = ms
            conv.copy_pos(f"{side}_matchers", r, f"{side}Match")
        if isinstance(r.get("equal"), list):
            conv["equal"] = r["equal"]
        out.append(conv)
    return out


def _amc_time_intervals(obj: K8sObject, prefix: str) -> dict[str, Any]:
    out = {}
    for key in ("muteTimeIntervals", "timeIntervals"):  # v1alpha1, v1beta1
        intervals = obj.spec.get(key)
        for t in intervals if isinstance(intervals, list) else []:
            if isinstance(t, Mapping) and t.get("name"):
                out[prefix + scalar_str(t["name"])] = t
    return out


def _global_amc(
    index: Index, am_spec: Mapping, am_ns: str | None, cluster: Cluster | None
) -> tuple[K8sObject, YMap, dict[str, Any]] | None:
    """`alertmanagerConfiguration.name`: the AlertmanagerConfig (in the Alertmanager's namespace)
    the operator turns into the whole config: its route is the root (no namespace matcher), names
    still prefixed `<ns>/<name>/`; with its time intervals as written (the config only names
    them: their validation is the operator's). None when unset or not in the repository."""
    name = dig(am_spec, "alertmanagerConfiguration", "name")
    if not isinstance(name, str) or not name:
        return None
    for obj in index.find("AlertmanagerConfig", name, group=OPERATOR_GROUP):
        ns = obj.namespace or am_ns
        if obj.cluster != cluster or (am_ns is not None and ns != am_ns):
            continue
        route = obj.spec.get("route")
        if not isinstance(route, YMap):
            continue
        prefix = f"{ns}/{obj.name}/" if ns else f"{obj.name}/"
        data = YMap(obj.data.src, obj.data.line, obj.data.col)
        spec = obj.get("spec")
        if isinstance(spec, YMap):
            data.copy_positions(spec)
            if not spec.has_pos("route"):
                data.set_pos("route", spec.line, spec.col, spec.line, spec.col)
        data["route"] = _convert_amc_route(route, prefix, False, None)
        recs = YSeq(route.src, route.line, route.col)
        recs.extend(conv for _, _, conv in _amc_receivers(obj, prefix))
        data["receivers"] = recs
        data["inhibit_rules"] = _amc_inhibit_rules(obj, None)
        intervals = _amc_time_intervals(obj, prefix)
        data["time_intervals"] = [{"name": n} for n in intervals]
        return obj, data, intervals
    return None


def _merge_amconfigs(
    index: Index, src: AMSource, am_spec: Mapping, am_ns: str | None, exclude: K8sObject | None = None
) -> None:
    """Add the AlertmanagerConfig objects this Alertmanager selects to its config (operator semantics)."""
    amcs = [o for o in index.of_kind("AlertmanagerConfig", group=OPERATOR_GROUP) if o.cluster == src.cluster]
    if not amcs or src.config.route is None:
        return
    selector = am_spec.get("alertmanagerConfigSelector")
    ns_selector = am_spec.get("alertmanagerConfigNamespaceSelector", None)
    strategy = dig(am_spec, "alertmanagerConfigMatcherStrategy", "type", default="OnNamespace")
    selected: list[tuple[str, str, K8sObject]] = []
    for obj in amcs:
        if obj is exclude:
            continue
        ns = obj.namespace or am_ns
        if selector_matches(selector, obj.labels) is not True:
            continue
        if ns_selector is None:
            if ns != am_ns:
                continue
        elif selector_matches(ns_selector, _namespace_labels(index, ns, src.cluster) or {}) is False:
            continue
        selected.append((ns or "", obj.name, obj))
    selected.sort(key=lambda t: (t[0], t[1]))
    root = src.config.route
    new_children: list[Route] = []
    for ns, name, obj in selected:
        prefix = f"{ns}/{name}/"
        view = AMConfigObject(obj, ns or None, None, {})
        for full, short, conv in _amc_receivers(obj, prefix):
            view.receivers[full] = short
            src.config.receivers[full] = Receiver(full, conv, -1)
        src.config.time_intervals.update(_amc_time_intervals(obj, prefix))
        add_ns = strategy != "None" and not (strategy == "OnNamespaceExceptForAlertmanagerNamespace" and ns == am_ns)
        ns_matcher = f'namespace="{ns}"' if add_ns and ns else None
        inhibit = _amc_inhibit_rules(obj, ns_matcher)
        if inhibit:
            extra = load_config({"route": {"receiver": "x"}, "receivers": [{"name": "x"}], "inhibit_rules": inhibit})
            src.config.inhibit_rules.extend(extra.inhibit_rules)
        route = obj.spec.get("route")
        if isinstance(route, YMap):
            conv = _convert_amc_route(route, prefix, True, ns_matcher)
            if conv is not None:
                child = build_route(conv, root, 0)
                view.route = child
                new_children.append(child)
        src.amconfigs.append(view)
    if new_children:
        root.routes[:0] = new_children
        for k, child in enumerate(root.routes):
            child.index = k


# --- sources -------------------------------------------------------------------------------
def _from_helm(index: Index, rel: HelmReleaseView) -> AMSource | None:
    am = rel.value("alertmanager")
    am = am if isinstance(am, Mapping) else {}
    if am.get("enabled") is False:
        return None
    spec = am.get("alertmanagerSpec") if isinstance(am.get("alertmanagerSpec"), Mapping) else {}
    if spec.get("useExistingSecret") is True:
        return None  # the config lives in a Secret (picked up through the Alertmanager's configSecret)
    if rel.values_open("alertmanager"):
        return None  # a values source outside the repository may set the config: unknown
    user = am.get("config")
    anchor = user if isinstance(user, YMap) else (am if isinstance(am, YMap) else rel.obj.data)
    ns = rel.namespace
    cluster = rel.obj.cluster
    chart_spec = dict(spec)
    if not spec.get("alertmanagerConfigSelector"):
        chart_spec["alertmanagerConfigSelector"] = {}  # the chart renders `{}` (all) when unset
    if "alertmanagerConfigNamespaceSelector" not in spec:
        chart_spec["alertmanagerConfigNamespaceSelector"] = {}  # chart default value `{}`
    if dig(spec, "alertmanagerConfiguration", "name"):
        found = _global_amc(index, spec, ns, cluster)
        if found is None:
            return None  # the whole config comes from an AlertmanagerConfig outside the repository
        obj, data, intervals = found
        src = AMSource(
            name=f"{ns + '/' if ns else ''}{rel.obj.name}",
            origin="helm-values",
            description=f"{obj.ref()} (alertmanagerConfiguration of {rel.obj.ref()})",
            data=data,
            raw=None,
            config=load_config(data),
            file=obj.file,
            anchor=obj.loc("spec"),
            namespace=ns,
            obj=obj,
            release=rel,
            cluster=cluster,
        )
        src.config.time_intervals.update(intervals)
        _merge_amconfigs(index, src, chart_spec, ns, exclude=obj)
        return src
    raw: Mapping | None = user if isinstance(user, Mapping) else None
    if am.get("tplConfig") is True and isinstance(am.get("stringConfig"), str) and am.get("stringConfig").strip():
        emb = index.embedded_yaml(am, "stringConfig")
        if emb is None or not isinstance(emb.data, YMap):
            return None
        raw = emb.data
        data: Mapping = emb.data
    else:
        data = helm_merge(KPS_DEFAULT_CONFIG, user if isinstance(user, YMap) else None, anchor)
    src = AMSource(
        name=f"{ns + '/' if ns else ''}{rel.obj.name}",
        origin="helm-values",
        description=f"{rel.obj.ref()} values alertmanager.config",
        data=data,
        raw=raw,
        config=load_config(data),
        file=rel.obj.file,
        anchor=anchor.loc() if isinstance(anchor, (YMap, YSeq)) else rel.obj.loc(),
        namespace=ns,
        obj=rel.obj,
        release=rel,
        defaults_only=raw is None,
        cluster=cluster,
    )
    _merge_amconfigs(index, src, chart_spec, ns)
    return src


def _text_config(index: Index, obj: K8sObject) -> tuple[Any, Any, bool] | None:
    """(container, key, base64?) of an alertmanager.yaml value in a Secret/ConfigMap."""
    for section in ("stringData", "data"):
        container = obj.data.get(section)
        if not isinstance(container, YMap):
            continue
        for key in CONFIG_KEYS:
            if isinstance(container.get(key), str):
                return container, key, obj.kind == "Secret" and section == "data"
    return None


def _from_text(index: Index, obj: K8sObject, origin: str, name: str) -> AMSource | None:
    if obj.sops:
        return None
    found = _text_config(index, obj)
    if found is None:
        return None
    container, key, encoded = found
    # base64 Secret data has no positions in the file: findings inside it point at the key
    emb = index.secret_yaml(container, key) if encoded else index.embedded_yaml(container, key)
    if emb is None or not isinstance(emb.data, YMap):
        return None
    data = emb.data
    if "route" not in data and "receivers" not in data:
        return None
    return AMSource(
        name=name,
        origin=origin,
        description=f"{obj.ref()} key {key}",
        data=data,
        raw=data if not encoded else None,
        config=load_config(data),
        file=obj.file,
        anchor=container.loc(key),
        namespace=obj.namespace,
        obj=obj,
        cluster=obj.cluster,
    )


def _from_vmalertmanagers(index: Index, used_secrets: set[int]) -> list[AMSource]:
    """The config of each VMAlertmanager (VictoriaMetrics/operator api/operator/v1beta1/
    vmalertmanager_types.go): `spec.configRawYaml` (alertmanager.yaml as text), the Secret
    `spec.configSecret` (key alertmanager.yaml), else the operator's default base config; with the
    VMAlertmanagerConfig objects it selects merged in (obslint.model.alertmanager.vm_configs). The
    default base alone is not a config of the repository: without a selected VMAlertmanagerConfig
    such a VMAlertmanager is not judged."""
    from obslint.model.alertmanager.vm_configs import DEFAULT_BASE_CONFIG, merge_vm_configs
    from obslint.model.victoriametrics import VM_GROUP
    from obslint.model.vm_selection import vm_owners

    owners = {id(o.origin): o for o in vm_owners(index) if o.kind == "VMAlertmanager" and o.via == "crd"}
    out: list[AMSource] = []
    for am in index.of_kind("VMAlertmanager", group=VM_GROUP):
        ns = am.namespace
        name = f"{ns + '/' if ns else ''}{am.name}"
        spec = am.data.get("spec")
        if am.sops or not isinstance(spec, YMap):
            continue
        owner = owners.get(id(am))
        if isinstance(spec.get("configRawYaml"), str):
            emb = index.embedded_yaml(spec, "configRawYaml")
            if emb is not None and isinstance(emb.data, YMap) and ("route" in emb.data or "receivers" in emb.data):
                src = AMSource(
                    name=name,
                    origin="vmalertmanager",
                    description=f"{am.ref()} spec.configRawYaml",
                    data=emb.data,
                    raw=emb.data,
                    config=load_config(emb.data),
                    file=am.file,
                    anchor=spec.loc("configRawYaml"),
                    namespace=ns,
                    obj=am,
                    cluster=am.cluster,
                )
                if owner is not None:
                    merge_vm_configs(index, src, spec, owner)
                out.append(src)
            continue
        secret_name = spec.get("configSecret")
        if isinstance(secret_name, str) and secret_name:
            for sec in index.find("Secret", secret_name, ns):
                if sec.cluster != am.cluster:
                    continue
                used_secrets.add(id(sec))
                src = _from_text(index, sec, "vmalertmanager", name)
                if src is not None:
                    src.description = f"{am.ref()} config from {src.description}"
                    if owner is not None:
                        merge_vm_configs(index, src, spec, owner)
                    out.append(src)
            continue
        if owner is None or spec.get("configSecret"):
            continue  # a Secret named with a substitution, or an encrypted spec: not known
        data = _anchored(DEFAULT_BASE_CONFIG, spec)
        src = AMSource(
            name=name,
            origin="vmalertmanager",
            description=f"{am.ref()} (the operator's default config with its VMAlertmanagerConfigs)",
            data=data,
            raw=None,
            config=load_config(data),
            file=am.file,
            anchor=am.loc("spec"),
            namespace=ns,
            obj=am,
            cluster=am.cluster,
        )
        merge_vm_configs(index, src, spec, owner)
        if src.amconfigs:
            out.append(src)
    # The operator converts PrometheusRules into VMRules by default
    # (https://docs.victoriametrics.com/operator/integrations/prometheus/): a kube-prometheus-stack's
    # default rules of the cluster may reach a VMAlertmanager through a VMAlert.
    kps_clusters = {rel.obj.cluster for rel in releases_of_chart(index, KPS)}
    for src in out:
        if src.cluster in kps_clusters:
            src.unmodelled_alerts = "kube-prometheus-stack default rules converted by the VictoriaMetrics operator"
    return out


def _looks_like_am_config(node: Any) -> bool:
    return (
        isinstance(node, YMap)
        and "apiVersion" not in node
        and "kind" not in node
        and isinstance(node.get("route"), Mapping)
        and isinstance(node.get("receivers"), list)
    )


@memoised
def alertmanager_configs(index: Index) -> list[AMSource]:
    out: list[AMSource] = []
    used_secrets: set[int] = set()
    for rel in releases_of_chart(index, KPS):
        src = _from_helm(index, rel)
        if src is not None:
            out.append(src)
    from obslint.model.alertmanager.vm_stack import from_vm_stack
    from obslint.model.vm_stack import K8S_STACK

    for rel in releases_of_chart(index, K8S_STACK):
        src = from_vm_stack(index, rel) if not rel.obj.sops else None
        if src is not None:
            out.append(src)
    for am in index.of_kind("Alertmanager", group=OPERATOR_GROUP):
        ns = am.namespace
        found = _global_amc(index, am.spec, ns, am.cluster)
        if found is not None:
            amc, data, intervals = found
            src = AMSource(
                name=f"{ns + '/' if ns else ''}{am.name}",
                origin="alertmanager-secret",
                description=f"{amc.ref()} (alertmanagerConfiguration of {am.ref()})",
                data=data,
                raw=None,
                config=load_config(data),
                file=amc.file,
                anchor=amc.loc("spec"),
                namespace=ns,
                obj=amc,
                cluster=am.cluster,
            )
            src.config.time_intervals.update(intervals)
            _merge_amconfigs(index, src, am.spec, ns, exclude=amc)
            out.append(src)
            continue
        secret_name = am.spec.get("configSecret") or f"alertmanager-{am.name}"
        for sec in index.find("Secret", str(secret_name), ns):
            if sec.cluster != am.cluster:
                continue
            used_secrets.add(id(sec))
            src = _from_text(index, sec, "alertmanager-secret", f"{ns + '/' if ns else ''}{am.name}")
            if src is not None:
                src.description = f"{am.ref()} config from {src.description}"
                _merge_amconfigs(index, src, am.spec, ns)
                out.append(src)
    out.extend(_from_vmalertmanagers(index, used_secrets))
    for obj in index.of_kind("Secret", "ConfigMap", group=""):
        if id(obj) in used_secrets:
            continue
        src = _from_text(index, obj, obj.kind.lower(), f"{obj.namespace + '/' if obj.namespace else ''}{obj.name}")
        if src is not None:
            out.append(src)
    graph = index.graph
    for sf in index.files:
        if sf.kind != "yaml":
            continue
        for doc in sf.documents:
            if _looks_like_am_config(doc.data):
                for cluster in graph.file_clusters(sf.rel) if graph is not None else (None,):
                    out.append(
                        AMSource(
                            name=sf.rel,
                            origin="file",
                            description=f"file {sf.rel}",
                            data=doc.data,
                            raw=doc.data,
                            config=load_config(doc.data),
                            file=sf,
                            anchor=doc.data.loc(),
                            cluster=cluster,
                        )
                    )
                break
    return out
