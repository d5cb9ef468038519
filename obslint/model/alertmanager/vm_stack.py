"""The Alertmanager config of the VMAlertmanager a victoria-metrics-k8s-stack release renders.

The chart (templates/victoria-metrics-operator/vmalertmanager/vmalertmanager.yaml) writes
`alertmanager.config`, Helm-merged over the chart's default, into a Secret the VMAlertmanager loads,
with `templates` set to `/etc/vm/templates/**/*.tmpl`; `alertmanager.spec.configRawYaml` is used as
written instead; with `useManagedConfig: true` the config becomes a VMAlertmanagerConfig of the
operator's own schema, and `alertmanager.spec.configSecret` names a Secret of the user's: those two
are not read here. The VMAlertmanagerConfig objects the VMAlertmanager selects are merged in
(obslint.model.alertmanager.vm_configs).
"""

from __future__ import annotations

from collections.abc import Mapping

from obslint.index import Index
from obslint.load import YMap
from obslint.model.alertmanager.sources import AMSource, _anchored, helm_merge
from obslint.model.alertmanager.vm_configs import merge_vm_configs
from obslint.model.helm import HelmReleaseView, values_bool
from obslint.model.semver import parse
from obslint.model.vm_stack import stack_component
from obslint.routing import load_config

# victoria-metrics-k8s-stack values.yaml `alertmanager.config` since 0.35.7 (the same through 0.91.2;
# ../shared/oracles/charts/history): older versions ship a Slack example config, not modelled.
DEFAULT_CONFIG: dict = {"route": {"receiver": "blackhole"}, "receivers": [{"name": "blackhole"}]}
DEFAULT_CONFIG_SINCE = parse("0.35.7")
TEMPLATES = ["/etc/vm/templates/**/*.tmpl"]


def from_vm_stack(index: Index, rel: HelmReleaseView) -> AMSource | None:
    """The release's Alertmanager config; None when the chart renders none or it is not known."""
    from obslint.model.vm_selection import vm_owners

    comp = stack_component(index, rel, "alertmanager")
    if comp is None or comp.version is None:
        return None
    if values_bool(rel.value("alertmanager", "useManagedConfig"), comp.default("useManagedConfig") is True):
        return None
    spec = comp.spec
    if spec.get("configSecret") or rel.values_open("alertmanager", "config"):
        return None
    am = rel.value("alertmanager")
    if isinstance(spec.get("configRawYaml"), str):
        emb = index.embedded_yaml(spec, "configRawYaml")
        if emb is None or not isinstance(emb.data, YMap):
            return None
        data, raw, anchor = emb.data, emb.data, spec.loc("configRawYaml")
        what = "alertmanager.spec.configRawYaml"
    else:
        version = parse(comp.version.version)
        if version is None or DEFAULT_CONFIG_SINCE is None or version < DEFAULT_CONFIG_SINCE:
            return None
        user = rel.value("alertmanager", "config")
        node = user if isinstance(user, YMap) else (am if isinstance(am, YMap) else rel.obj.data)
        data = helm_merge(DEFAULT_CONFIG, user if isinstance(user, YMap) else None, node)
        data["templates"] = _anchored(TEMPLATES, node)
        raw = user if isinstance(user, Mapping) else None
        anchor, what = node.loc(), "alertmanager.config"
    src = AMSource(
        name=f"{comp.namespace + '/' if comp.namespace else ''}{rel.obj.name}",
        origin="vmalertmanager",
        description=f"{rel.obj.ref()} values {what}",
        data=data,
        raw=raw,
        config=load_config(data),
        file=rel.obj.file,
        anchor=anchor,
        namespace=comp.namespace,
        obj=rel.obj,
        release=rel,
        cluster=rel.obj.cluster,
    )
    owner = next((o for o in vm_owners(index) if o.origin is rel.obj and o.kind == "VMAlertmanager"), None)
    if owner is not None:
        merge_vm_configs(index, src, spec, owner)
    src.defaults_only = raw is None and not src.amconfigs
    if values_bool(rel.value("defaultRules", "enabled"), True) and values_bool(
        rel.value("defaultRules", "create"), True
    ):
        src.unmodelled_alerts = "the chart's default VMRules"  # defaultRules.enabled (create before), default on
    return src
