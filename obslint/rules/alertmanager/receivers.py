"""Receivers, Flux Providers and Falco/falcosidekick outputs that point at in-cluster Services
nothing creates."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from obslint.findings import Finding
from obslint.findings import cluster_names as _names
from obslint.model.alertmanager import node_loc
from obslint.model.falco import falco_targets
from obslint.model.services import check_url
from obslint.objects import walk_strings
from obslint.rules import Basis, RuleContext, rule
from obslint.rules.alertmanager.common import sources

URL_KEYS = {"url", "webhook_url", "api_url", "address", "endpoint", "proxy_url"}

_FAIL = """\
-- monitoring/kube-prometheus-stack.yaml --
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: kube-prometheus-stack
  namespace: monitoring
spec:
  chart:
    spec:
      chart: kube-prometheus-stack
      version: 80.6.0
  values:
    defaultRules:
      create: false
    alertmanager:
      config:
        route:
          receiver: discord
        receivers:
          - name: discord
            webhook_configs:
              - url: http://alertmanager-discord.monitoring.svc:9094
"""

_PASS = (
    _FAIL
    + """\
-- monitoring/alertmanager-discord.yaml --
apiVersion: v1
kind: Service
metadata:
  name: alertmanager-discord
  namespace: monitoring
spec:
  selector: {app: alertmanager-discord}
  ports:
    - port: 9094
"""
)


def _urls(node: Any) -> Iterator[tuple[Any, Any, str]]:
    for _path, container, key in walk_strings(node):
        value = container[key]
        if isinstance(key, str) and key in URL_KEYS and isinstance(value, str):
            yield container, key, value


@rule(
    "AM008",
    "receiver-endpoint-missing",
    "error",
    "A receiver, Flux Provider or falcosidekick output sends to an in-cluster Service nothing creates, or a wrong port",
    basis=Basis.CERTAIN,
    why="""
        Webhook receivers often point at an in-cluster bridge (a Discord or Signal proxy,
        Robusta, a ticketing relay), Flux notification Providers at Alertmanager, and
        falcosidekick outputs (`config.loki.hostport`, `config.alertmanager.hostport`,
        `config.webhook.address`, ...) and Falco's `http_output` at Loki, Alertmanager or
        falcosidekick. When the
        Service in that URL is not created by any manifest or chart of the repository (a typo,
        a renamed release, a component that was removed), every notification fails at delivery
        time, only visible in Alertmanager's logs. That finding is a warning, as the Service may
        come from outside the repository (installed by hand, by another repository, by an
        operator); a port that a Service of the repository does not have is an error. URLs into
        namespaces that something obslint cannot read fills are not judged.
    """,
    failing=_FAIL,
    passing=_PASS,
    fix="Point the URL at a Service the repository creates (name, namespace, port), or deploy the missing component.",
)
def receiver_endpoint_missing(ctx: RuleContext) -> Iterator[Finding]:
    seen: set = set()
    for src in sources(ctx.index):
        for rec in src.config.receivers.values():
            namespace = src.namespace
            for amc in src.amconfigs:
                if rec.name in amc.receivers:
                    namespace = amc.namespace
            for container, key, url in _urls(rec.data):
                problem = check_url(ctx.index, url, from_namespace=namespace, cluster=src.cluster)
                if problem is None:
                    continue
                loc = node_loc(container, key, src.anchor)
                if (loc, url, src.cluster) in seen:
                    continue
                seen.add((loc, url, src.cluster))
                yield Finding(
                    loc,
                    f'receiver "{rec.name}": {problem.message}',
                    problem.hint,
                    clusters=_names(src.cluster),
                    basis=problem.basis,
                )
    for target in falco_targets(ctx.index):
        problem = check_url(ctx.index, target.url, from_namespace=target.namespace, cluster=target.cluster)
        if problem is not None:
            yield Finding(
                target.loc,
                f"{target.description}: {problem.message}",
                problem.hint,
                clusters=_names(target.cluster),
                basis=problem.basis,
            )
    for provider in ctx.index.of_kind("Provider", group="notification.toolkit.fluxcd.io"):
        address = provider.spec.get("address")
        if not isinstance(address, str):
            continue
        problem = check_url(ctx.index, address, from_namespace=provider.namespace, cluster=provider.cluster)
        if problem is not None:
            spec = provider.get("spec")
            loc = spec.loc("address") if isinstance(spec, Mapping) and hasattr(spec, "loc") else provider.loc()
            yield Finding(
                loc,
                f"{provider.ref()}: {problem.message}",
                problem.hint,
                clusters=provider.cluster_names,
                basis=problem.basis,
            )
