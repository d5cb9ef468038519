"""How often the Prometheus that evaluates a rule set scrapes: the time a single failed scrape stays visible.

A failed scrape writes `up == 0` (or a probe's `probe_success == 0`) and that sample is the latest one until
the next scrape, one scrape interval later. So the interval, not a fixed duration, decides how long a `for`
must be to ride out a blip.

* PrometheusRule objects and kube-prometheus-stack `additionalPrometheusRulesMap`: the Prometheus servers
  that load them (obslint.model.prometheus.rule_selected_by), each at `scrapeInterval` of its Prometheus
  object or `prometheus.prometheusSpec.scrapeInterval` of the chart; unset, the operator's default 30s
  (prometheus-operator api/monitoring/v1/prometheus_types.go, `+kubebuilder:default:="30s"`; the chart's
  default is "", which leaves it to the operator). When several load one, the longest interval counts: a
  blip lasts that long on one of them.
* The prometheus-community `prometheus` chart's `serverFiles`: `server.global.scrape_interval`, the chart
  default 1m (charts/prometheus/values.yaml).
* Anything else (rule files, ConfigMaps, VMRules, Loki rules): not known, since the Prometheus configuration
  that loads them is not tied to them in the repository.
"""

from __future__ import annotations

from typing import Any

from obslint.index import Index
from obslint.model.prometheus import PrometheusInstance, rule_selected_by
from obslint.model.rulegroups import RuleSet
from obslint.objects import dig
from obslint.units import try_duration

OPERATOR_DEFAULT = "30s"
PROMETHEUS_CHART_DEFAULT = "1m"


def _interval(raw: Any, default: str) -> float | None:
    """Seconds of a scrape interval as written ('' or unset: the default); None when it does not parse."""
    if raw is None or raw == "":
        raw = default
    seconds = try_duration(raw, strict_prometheus=True) if isinstance(raw, str) else None
    return seconds if seconds else None


def _instance_interval(inst: PrometheusInstance) -> float | None:
    if inst.helm is not None:
        return _interval(inst.helm.value("prometheus", "prometheusSpec", "scrapeInterval"), OPERATOR_DEFAULT)
    return _interval(dig(inst.origin.get("spec"), "scrapeInterval"), OPERATOR_DEFAULT)


def scrape_interval(index: Index, rs: RuleSet) -> float | None:
    """Seconds between scrapes of the Prometheus that evaluates `rs` (the longest, when several do); None
    when that is not known."""
    if rs.origin == "helm-serverfiles":
        if rs.release is None:
            return None
        return _interval(rs.release.value("server", "global", "scrape_interval"), PROMETHEUS_CHART_DEFAULT)
    instances = rule_selected_by(index, rs)
    if not instances:
        return None
    intervals = [_instance_interval(inst) for inst in instances]
    if any(i is None for i in intervals):
        return None
    return max(i for i in intervals if i is not None)
