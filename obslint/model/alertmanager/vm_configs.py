"""VMAlertmanagerConfig objects merged into the VMAlertmanager that selects them, as the VictoriaMetrics
operator builds the config (VictoriaMetrics/operator internal/controller/operator/factory/vmalertmanager/
config.go `buildConfig`, `buildRoute`, `buildInhibitRule`, `buildCRPrefixedName`):

* the spec is alertmanager.yml-shaped already (snake_case `route`, `receivers`, `inhibit_rules`,
  `time_intervals`; api/operator/v1beta1/vmalertmanagerconfig_types.go);
* receiver and time interval names become `<namespace>-<name>-<receiver>`;
* the top route gets `continue: true` unless the VMAlertmanager sets `disableRouteContinueEnforce`,
  a `namespace = "<ns>"` matcher (the label is `enforcedNamespaceLabel` when set) unless it sets
  `disableNamespaceMatcher`, and the VMAlertmanager's `enforcedTopRouteMatchers`; it is appended
  AFTER the base config's child routes (a base route without `continue` that takes the same alerts
  shadows it);
* inhibit rules get the namespace matcher on both sides unless `disableNamespaceMatcher`.

The operator lists the objects through the API server, which returns them ordered by namespace and
name; the routes are appended in that order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from obslint.index import Index
from obslint.load import YMap, YSeq
from obslint.model.alertmanager.sources import AMConfigObject, AMSource, _copy_map
from obslint.model.helm import values_bool
from obslint.objects import K8sObject
from obslint.routing import Receiver, Route, build_route, load_config, scalar_str

_ROUTE_KEYS = ("group_by", "group_wait", "group_interval", "repeat_interval", "continue")
_INTERVAL_KEYS = ("mute_time_intervals", "active_time_intervals")

# The operator's base config for a VMAlertmanager with neither configRawYaml nor configSecret
# (internal/controller/operator/factory/vmalertmanager/statefulset.go `defaultAMConfig`).
DEFAULT_BASE_CONFIG: dict = {
    "global": {"resolve_timeout": "5m"},
    "route": {"receiver": "blackhole"},
    "receivers": [{"name": "blackhole"}],
}


def _strings(node: Any) -> list[str]:
    return [scalar_str(v) for v in node] if isinstance(node, list) else []


def _matchers(node: YMap, key: str, extra: list[str]) -> YSeq:
    """The route's (or inhibit side's) matcher strings with the operator's additions, positioned."""
    raw = node.get(key)
    out = YSeq(node.src, node.line, node.col)
    if isinstance(raw, YSeq):
        out.line, out.col = raw.line, raw.col
    for k, m in enumerate(raw if isinstance(raw, list) else []):
        out.append(scalar_str(m))
        if isinstance(raw, YSeq):
            out.add_pos(*raw.value_pos(k))
    for m in extra:
        out.append(m)
        out.add_pos(node.line, node.col)
    return out


def _route(node: Any, prefix: str, extra: list[str] | None, force_continue: bool) -> YMap | None:
    """A VMAlertmanagerConfig route as the operator writes it; `extra` set for the top route only."""
    if not isinstance(node, YMap):
        return None
    out = _copy_map(node)  # the positions of the keys as written, no keys yet
    top = extra is not None
    if "receiver" in node and node.get("receiver") not in (None, ""):
        out["receiver"] = f"{prefix}{scalar_str(node['receiver'])}"
    matchers = _matchers(node, "matchers", extra or [])
    if matchers:
        out["matchers"] = matchers
    for key in _ROUTE_KEYS:
        if key in node:
            out[key] = node[key]
    for key in _INTERVAL_KEYS:
        if key in node:
            out[key] = [f"{prefix}{name}" for name in _strings(node[key])]
    if top and force_continue:
        out["continue"] = True
    routes = node.get("routes")
    if isinstance(routes, list):
        seq = YSeq(routes.src, routes.line, routes.col) if isinstance(routes, YSeq) else YSeq(node.src, 1, 1)
        for child in routes:
            conv = _route(child, prefix, None, False)
            if conv is not None:
                seq.append(conv)
        out["routes"] = seq
    return out


def _receivers(obj: K8sObject, prefix: str) -> list[tuple[str, str, Mapping]]:
    """(prefixed name, name as written, receiver mapping) of a VMAlertmanagerConfig."""
    out = []
    receivers = obj.spec.get("receivers")
    for r in receivers if isinstance(receivers, list) else []:
        if not isinstance(r, YMap) or not r.get("name"):
            continue
        conv = _copy_map(r)
        conv.update(r)
        full = prefix + scalar_str(r["name"])
        conv["name"] = full
        out.append((full, scalar_str(r["name"]), conv))
    return out


def _inhibit_rules(obj: K8sObject, ns_matcher: str | None) -> list[Mapping]:
    out = []
    rules = obj.spec.get("inhibit_rules")
    for r in rules if isinstance(rules, list) else []:
        if not isinstance(r, YMap):
            continue
        conv = _copy_map(r)
        for side in ("source_matchers", "target_matchers"):
            conv[side] = _matchers(r, side, [ns_matcher] if ns_matcher else [])
        if isinstance(r.get("equal"), list):
            conv["equal"] = r["equal"]
        out.append(conv)
    return out


def merge_vm_configs(index: Index, src: AMSource, spec: Mapping, owner: Any) -> None:
    """Add the VMAlertmanagerConfig objects `owner` (obslint.model.vm_selection.VMOwner) selects to its
    config, the way the operator does. Objects whose selection is not known are left out."""
    from obslint.model.prometheus import effective_namespace, namespace_labels
    from obslint.model.victoriametrics import VM_GROUP

    root = src.config.route
    if root is None:
        return
    selected: list[tuple[str, str, K8sObject]] = []
    for obj in index.of_kind("VMAlertmanagerConfig", group=VM_GROUP):
        if obj.sops or obj.cluster != src.cluster or not isinstance(obj.spec.get("route"), YMap):
            continue
        ns = effective_namespace(index, obj)
        if owner.selects(obj.kind, obj.labels, ns, namespace_labels(index, ns, obj.cluster)) is True:
            selected.append((ns or "", obj.name, obj))
    selected.sort(key=lambda t: (t[0], t[1]))
    label = spec.get("enforcedNamespaceLabel")
    label = label if isinstance(label, str) and label else "namespace"
    add_ns = not values_bool(spec.get("disableNamespaceMatcher"), False)
    force_continue = not values_bool(spec.get("disableRouteContinueEnforce"), False)
    enforced = _strings(spec.get("enforcedTopRouteMatchers"))
    children: list[Route] = []
    for ns, name, obj in selected:
        prefix = f"{ns}-{name}-"
        view = AMConfigObject(obj, ns or None, None, {})
        for full, short, conv in _receivers(obj, prefix):
            view.receivers[full] = short
            src.config.receivers[full] = Receiver(full, conv, -1)
        intervals = obj.spec.get("time_intervals")
        for t in intervals if isinstance(intervals, list) else []:
            if isinstance(t, Mapping) and t.get("name"):
                src.config.time_intervals[prefix + scalar_str(t["name"])] = t
        ns_matcher = f'{label} = "{ns}"' if add_ns and ns else None
        inhibit = _inhibit_rules(obj, ns_matcher)
        if inhibit:
            extra = load_config({"route": {"receiver": "x"}, "receivers": [{"name": "x"}], "inhibit_rules": inhibit})
            src.config.inhibit_rules.extend(extra.inhibit_rules)
        conv = _route(obj.spec.get("route"), prefix, [*([ns_matcher] if ns_matcher else []), *enforced], force_continue)
        if conv is not None:
            view.route = build_route(conv, root, 0)
            children.append(view.route)
        src.amconfigs.append(view)
    if children:
        root.routes.extend(children)
        for k, child in enumerate(root.routes):
            child.index = k
