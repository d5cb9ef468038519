"""AlertmanagerConfig objects the prometheus-operator admission webhook refuses at apply time.

When the cluster registers the operator's AlertmanagerConfig validation (a ValidatingWebhookConfiguration
whose webhook covers `alertmanagerconfigs` of monitoring.coreos.com, served at
`/admission-alertmanagerconfigs/validate`), the API server asks the operator about every
AlertmanagerConfig created or updated, whether an Alertmanager selects it or not; a refused object fails
the Flux Kustomization that applies it. The check is prometheus-operator
pkg/alertmanager/validation/v1alpha1/validation.go `validateAlertManagerRoutes`: the top route must name
one of the object's receivers, and a child route that names a receiver must name one of them.

kube-prometheus-stack does not register this validation: its ValidatingWebhookConfiguration
(templates/prometheus-operator/admission-webhooks/validatingWebhookConfiguration.yaml) covers
`prometheusrules` only. So the webhook is known enabled only when the repository holds the registration
itself (kube-prometheus manifests, the operator's own bundle).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from obslint.index import Index
from obslint.model.alertmanager.sources import OPERATOR_GROUP
from obslint.objects import K8sObject
from obslint.routing import scalar_str

VALIDATE_PATH = "/admission-alertmanagerconfigs/validate"


def _covers_amconfigs(hook: Any) -> bool:
    if not isinstance(hook, Mapping):
        return False
    rules = hook.get("rules")
    for r in rules if isinstance(rules, list) else []:
        if not isinstance(r, Mapping):
            continue
        groups, resources = r.get("apiGroups") or [], r.get("resources") or []
        if not isinstance(groups, list) or not isinstance(resources, list):
            continue
        if any(g in (OPERATOR_GROUP, "*") for g in groups) and any(
            x in ("alertmanagerconfigs", "*") for x in resources
        ):
            return True
    return False


def amconfig_webhook(index: Index, cluster: Any) -> K8sObject | None:
    """The registration of the AlertmanagerConfig validation in this cluster, if the repository holds it."""
    for obj in index.of_kind("ValidatingWebhookConfiguration", group="admissionregistration.k8s.io"):
        if obj.cluster != cluster:
            continue
        hooks = obj.get("webhooks")
        for hook in hooks if isinstance(hooks, list) else []:
            path = hook.get("clientConfig", {}).get("service", {}) if isinstance(hook, Mapping) else {}
            path = path.get("path") if isinstance(path, Mapping) else None
            if _covers_amconfigs(hook) and (path is None or path == VALIDATE_PATH):
                return obj
    return None


@dataclass(frozen=True)
class RefusedRoute:
    node: Mapping  # the route mapping
    receiver: str  # as written ("" when the top route names none)


def refused_routes(obj: K8sObject) -> Iterator[RefusedRoute]:
    """Routes of an AlertmanagerConfig naming a receiver the object does not define (validation.go)."""
    receivers = obj.spec.get("receivers")
    names = {
        scalar_str(r.get("name")) for r in (receivers if isinstance(receivers, list) else []) if isinstance(r, Mapping)
    }
    top = obj.spec.get("route")
    if not isinstance(top, Mapping):
        return
    stack: list[tuple[Mapping, bool]] = [(top, True)]
    while stack:
        route, is_top = stack.pop()
        name = route.get("receiver")
        name = scalar_str(name) if name is not None else ""
        if name not in names and (name != "" or is_top):
            yield RefusedRoute(route, name)
        children = route.get("routes")
        for child in reversed(children if isinstance(children, list) else []):
            if isinstance(child, Mapping):
                stack.append((child, False))
