"""AM rules: each fires on a broken config and stays quiet on the corrected one."""

from __future__ import annotations

import textwrap

import obslint.model.chart_facts as facts
from obslint.config import Config
from obslint.findings import Severity
from obslint.index import Index
from obslint.load import load_tree
from obslint.model.alertmanager import alert_universe, alertmanager_configs
from tests.conftest import check, require_tool, rule_ids

HR_HEAD = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: kube-prometheus-stack, namespace: monitoring}
spec:
  chart: {spec: {chart: kube-prometheus-stack, version: 80.6.0}}
  values:
"""


def hr(values: str) -> str:
    return HR_HEAD + textwrap.indent(textwrap.dedent(values), "    ")


def am(config: str, extra: str = "defaultRules: {create: false}\n") -> str:
    return hr(extra + "alertmanager:\n  config:\n" + textwrap.indent(textwrap.dedent(config), "    "))


RULES = """\
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {name: app, namespace: monitoring, labels: {release: kube-prometheus-stack}}
spec:
  groups:
    - name: app
      rules:
        - alert: AppDown
          expr: up{job="app"} == 0
          labels: {severity: critical}
        - alert: AppSlow
          expr: app_latency > 1
          labels: {severity: warning, team: web}
"""

RECEIVERS = """\
receivers:
  - name: "null"
  - name: team
    webhook_configs: [{url: "https://example.org/team"}]
  - name: pager
    webhook_configs: [{url: "https://example.org/pager"}]
"""


def run(repo, files: dict[str, str], rule: str):
    return check(repo(files), select=[rule]).findings


def index_of(repo, files: dict[str, str]) -> Index:
    import obslint.rules.alertmanager  # noqa: F401

    return Index.build(load_tree(str(repo(files))), Config())


# --- AM001 / AM011 / AM014 / AM007 ----------------------------------------------------------
def test_undefined_receiver_points_at_the_route_line(repo):
    cfg = 'route:\n  receiver: team\n  routes:\n    - matchers: [x="1"]\n      receiver: oncall\n' + RECEIVERS
    findings = run(repo, {"am/alertmanager.yml": cfg}, "AM001")
    assert [(f.loc.path, f.loc.line) for f in findings] == [("am/alertmanager.yml", 5)]
    assert 'undefined receiver "oncall"' in findings[0].message
    assert findings[0].hint == "defined receivers: null, pager, team"
    typo = run(repo, {"am/alertmanager.yml": cfg.replace("receiver: oncall", "receiver: pagr")}, "AM001")
    assert typo[0].hint == "did you mean 'pager'?"
    fixed = cfg.replace("receiver: oncall", "receiver: pager")
    assert run(repo, {"am/alertmanager.yml": fixed}, "AM001") == []


def test_undefined_receiver_in_alertmanagerconfig(repo):
    amc = """\
apiVersion: monitoring.coreos.com/v1alpha1
kind: AlertmanagerConfig
metadata: {name: web, namespace: shop}
spec:
  route: {receiver: shop-tam}
  receivers:
    - name: shop-team
      webhookConfigs: [{url: "https://example.org/shop"}]
"""
    base = am("route: {receiver: team}\n" + RECEIVERS)
    findings = run(repo, {"hr.yaml": base, "amc.yaml": amc}, "AM001")
    assert len(findings) == 1 and "shop/web/shop-tam" in findings[0].message
    assert findings[0].loc.path == "amc.yaml"
    assert findings[0].hint == "did you mean 'shop/web/shop-team'?"
    assert run(repo, {"hr.yaml": base, "amc.yaml": amc.replace("shop-tam", "shop-team")}, "AM001") == []


def test_undefined_time_interval_and_invalid_config(repo):
    cfg = (
        'route:\n  receiver: team\n  routes:\n    - matchers: [x="1"]\n      active_time_intervals: [office]\n'
        + RECEIVERS
    )
    assert rule_ids(check(repo({"alertmanager.yml": cfg}), select=["AM011", "AM014"]).findings) == ["AM011"]
    bad = "route:\n  receiver: team\n  continue: true\n" + RECEIVERS
    f = run(repo, {"alertmanager.yml": bad}, "AM014")
    assert len(f) == 1 and "cannot have continue in root route" in f[0].message and f[0].loc.line == 3


def test_identical_configs_go_to_amtool_once_and_are_reported_each(repo, monkeypatch):
    require_tool("amtool")
    from obslint.tools import amtool

    given: list[list[str]] = []
    real_start = amtool.start_tool

    def spy(prefix, files, argv, **kw):
        given.append(sorted(files))
        return real_start(prefix, files, argv, **kw)

    monkeypatch.setattr(amtool, "start_tool", spy)
    bad = "route:\n  receiver: team\nreceivers:\n  - name: team\n    slack_configs: [{channel: '#ops'}]\n"
    found = run(repo, {"a/alertmanager.yml": bad, "b/alertmanager.yml": bad}, "AM014")
    assert [len(files) for files in given] == [1]
    assert sorted(f.loc.path for f in found) == ["a/alertmanager.yml", "b/alertmanager.yml"]


def test_helm_null_deletes_default_receiver(repo):
    # Helm: a null value deletes the chart default key -> the root route has no receiver
    values = am("route:\n  receiver: null\n" + RECEIVERS)
    ids = rule_ids(check(repo({"hr.yaml": values}), select=["AM007", "AM014"]).findings)
    assert ids == ["AM007", "AM014"]


def test_yaml_null_receiver_child_and_receiver_name(repo):
    cfg = (
        'route:\n  receiver: team\n  routes:\n    - matchers: [alertname="Watchdog"]\n      receiver: null\n'
        "receivers:\n  - name: null\n  - name: team\n    webhook_configs: [{url: 'https://example.org'}]\n"
    )
    findings = run(repo, {"alertmanager.yml": cfg}, "AM007")
    assert sorted(f.loc.line for f in findings) == [5, 7]
    fixed = cfg.replace("receiver: null", 'receiver: "null"').replace("name: null", 'name: "null"')
    assert run(repo, {"alertmanager.yml": fixed}, "AM007") == []


# --- AM002 ----------------------------------------------------------------------------------
def test_unused_receiver(repo):
    cfg = 'route:\n  receiver: team\n  routes:\n    - matchers: [severity="critical"]\n      receiver: pager\n'
    findings = run(repo, {"alertmanager.yml": cfg + RECEIVERS}, "AM002")
    assert [f.message for f in findings] == ['receiver "null" is not used by any route']


# --- AM003 ----------------------------------------------------------------------------------
def test_alert_dropped_rule_alert_and_option(repo):
    cfg = am(
        'route:\n  receiver: "null"\n  routes:\n    - matchers: [severity="critical"]\n      receiver: pager\n'
        + RECEIVERS
    )
    files = {"hr.yaml": cfg, "rules.yaml": RULES}
    findings = run(repo, files, "AM003")
    assert len(findings) == 1
    # one finding at the route that swallows it (its `receiver: "null"`), the alert attached
    assert (findings[0].loc.path, findings[0].loc.line) == ("hr.yaml", 11) and "AppSlow" in findings[0].message
    assert [r.loc.path for r in findings[0].related] == ["rules.yaml"]
    # a route on a label the alert may carry from its series: it may be delivered -> not reported
    maybe = cfg.replace('severity="critical"', 'namespace="prod"')
    assert run(repo, {"hr.yaml": maybe, "rules.yaml": RULES}, "AM003") == []
    # routed to "null" by its name: deliberate
    named = am(
        'route:\n  receiver: team\n  routes:\n    - matchers: [alertname="AppSlow"]\n      receiver: "null"\n'
        + RECEIVERS
    )
    assert run(repo, {"hr.yaml": named, "rules.yaml": RULES}, "AM003") == []
    cfgfile = repo({**files, ".obslint.yaml": "options:\n  alert-dropped:\n    allow: [AppSlow]\n"})
    assert check(cfgfile, select=["AM003"]).findings == []


def test_alert_dropped_chart_default_alerts_by_severity(repo):
    cfg = am(
        'route:\n  receiver: "null"\n  routes:\n    - matchers: [severity=~"critical|warning"]\n      receiver: pager\n'
        + RECEIVERS,
        extra="",
    )
    findings = run(repo, {"hr.yaml": cfg}, "AM003")
    assert len(findings) == 1
    assert "7 alerts can only reach" in findings[0].message and "7 info" in findings[0].hint
    assert "kube-prometheus-stack default rules" in findings[0].hint
    assert "Watchdog" not in findings[0].message + findings[0].hint


def test_alert_dropped_by_a_config_that_notifies_nobody(repo):
    # every route ends at "null": one finding at the default receiver, the alerts attached
    cfg = am(
        'route:\n  receiver: "null"\n  routes:\n    - matchers: [severity="critical"]\n      receiver: "null"\n'
        + 'receivers:\n  - name: "null"\n'
    )
    findings = run(repo, {"hr.yaml": cfg, "rules.yaml": RULES}, "AM003")
    assert len(findings) == 1
    assert findings[0].loc.path == "hr.yaml" and "all 2 alerts that reach it are dropped" in findings[0].message
    assert [r.loc.path for r in findings[0].related] == ["rules.yaml", "rules.yaml"]


# --- AM004 / AM005 / AM006 ------------------------------------------------------------------
def test_shadowed_route_names_the_sibling(repo):
    cfg = (
        "route:\n  receiver: team\n  routes:\n"
        '    - matchers: [severity=~"critical|warning"]\n      receiver: team\n'
        '    - matchers: [severity="critical"]\n      receiver: pager\n' + RECEIVERS
    )
    findings = run(repo, {"alertmanager.yml": cfg}, "AM004")
    assert (
        len(findings) == 1 and findings[0].loc.line == 6 and 'earlier sibling route {severity=~"' in findings[0].message
    )
    assert [r.loc.line for r in findings[0].related] == [4]
    with_continue = cfg.replace(
        'receiver: team\n    - matchers: [severity="critical"]',
        'receiver: team\n      continue: true\n    - matchers: [severity="critical"]',
    )
    assert run(repo, {"alertmanager.yml": with_continue}, "AM004") == []
    narrower = cfg.replace('severity=~"critical|warning"', 'severity=~"warning|info"')
    assert run(repo, {"alertmanager.yml": narrower}, "AM004") == []


def test_contradictory_route_and_alertmanagerconfig_namespace(repo):
    amc = """\
apiVersion: monitoring.coreos.com/v1alpha1
kind: AlertmanagerConfig
metadata: {name: web, namespace: shop}
spec:
  route:
    receiver: shop
    routes:
      - receiver: shop
        matchers: [{name: namespace, value: other}]
  receivers:
    - name: shop
      webhookConfigs: [{url: "https://example.org/shop"}]
"""
    base = am("route: {receiver: team}\n" + RECEIVERS)
    findings = run(repo, {"hr.yaml": base, "amc.yaml": amc}, "AM005")
    assert len(findings) == 1 and 'namespace="other"' in findings[0].message and findings[0].loc.path == "amc.yaml"
    none = base.replace(
        "    alertmanager:\n      config:\n",
        "    alertmanager:\n      alertmanagerSpec:\n"
        "        alertmanagerConfigMatcherStrategy: {type: None}\n      config:\n",
    )
    assert none != base
    assert run(repo, {"hr.yaml": none, "amc.yaml": amc}, "AM005") == []


def test_route_matches_no_known_alert(repo):
    cfg = am(
        'route:\n  receiver: team\n  routes:\n    - matchers: [severity="critcal"]\n      receiver: pager\n' + RECEIVERS
    )
    findings = run(repo, {"hr.yaml": cfg, "rules.yaml": RULES}, "AM006")
    assert len(findings) == 1 and "known values of severity: critical, warning" in findings[0].hint
    # an alert name nobody here defines (e.g. from another chart's rules): not reported ...
    other = cfg.replace('severity="critcal"', 'alertname="CephOSDDown"')
    assert run(repo, {"hr.yaml": other, "rules.yaml": RULES}, "AM006") == []
    # ... but a near miss of a known one is
    typo = cfg.replace('severity="critcal"', 'alertname="AppDwn"')
    assert len(run(repo, {"hr.yaml": typo, "rules.yaml": RULES}, "AM006")) == 1
    optout = repo(
        {"hr.yaml": cfg, "rules.yaml": RULES, ".obslint.yaml": "options:\n  AM006: {external_alerts: true}\n"}
    )
    assert check(optout, select=["AM006"]).findings == []


# --- AM008 ----------------------------------------------------------------------------------
def test_receiver_endpoint_missing_and_flux_provider(repo):
    cfg = am(
        "route: {receiver: bridge}\nreceivers:\n  - name: bridge\n    webhook_configs:\n"
        "      - url: http://signal-bridge.monitoring.svc:8080/alert\n"
    )
    provider = """\
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata: {name: am, namespace: flux-system}
spec:
  type: alertmanager
  address: http://alertmanager-main.monitoring.svc:9093/api/v2/alerts
"""
    findings = run(repo, {"hr.yaml": cfg, "provider.yaml": provider}, "AM008")
    assert sorted(f.loc.path for f in findings) == ["hr.yaml", "provider.yaml"]
    # the Services may come from outside the repository
    assert {f.severity for f in findings} == {Severity.WARNING}
    service = """\
apiVersion: v1
kind: Service
metadata: {name: signal-bridge, namespace: monitoring}
spec: {ports: [{port: 8080}]}
"""
    fixed = provider.replace("alertmanager-main", "kube-prometheus-stack-alertmanager")
    assert run(repo, {"hr.yaml": cfg, "provider.yaml": fixed, "svc.yaml": service}, "AM008") == []
    wrong_port = fixed.replace(":9093", ":9094")  # the chart's Alertmanager Service serves 9093 and 8080
    (f,) = run(repo, {"hr.yaml": cfg, "provider.yaml": wrong_port, "svc.yaml": service}, "AM008")
    assert "has no port 9094" in f.message and f.severity is Severity.ERROR


# --- AM009 / AM010 --------------------------------------------------------------------------
def test_inhibit_rules(repo):
    inhibit = (
        'inhibit_rules:\n  - source_matchers: [severity="critical"]\n'
        '    target_matchers: [severity=~"critical|warning"]\n'
    )
    cfg = am("route: {receiver: team}\n" + inhibit + RECEIVERS)
    # criticals are never muted by it (every source alert matches the target too), warnings are: it works
    assert run(repo, {"hr.yaml": cfg, "rules.yaml": RULES}, "AM009") == []
    same = cfg.replace('[severity=~"critical|warning"]', '[severity="critical"]')
    f = run(repo, {"hr.yaml": same, "rules.yaml": RULES}, "AM009")
    assert len(f) == 1 and "mutes nothing" in f[0].message
    with_equal = same.replace('[severity="critical"]\n', '[severity="critical"]\n            equal: [alertname]\n')
    assert len(run(repo, {"hr.yaml": with_equal, "rules.yaml": RULES}, "AM009")) == 1
    reordered = same.replace(
        'target_matchers: [severity="critical"]', 'target_matchers: [severity=~"critical", severity!="x"]'
    )
    assert len(run(repo, {"hr.yaml": reordered, "rules.yaml": RULES}, "AM009")) == 1
    wider_source = same.replace('source_matchers: [severity="critical"]', 'source_matchers: [severity=~"critical|x"]')
    assert run(repo, {"hr.yaml": wider_source, "rules.yaml": RULES}, "AM009") == []
    unknown = cfg.replace('source_matchers: [severity="critical"]', 'source_matchers: [severity="page"]')
    f = run(repo, {"hr.yaml": unknown, "rules.yaml": RULES}, "AM010")
    assert len(f) == 1 and "source" in f[0].message


# --- AM012 / AM013 --------------------------------------------------------------------------
def test_grouping(repo):
    cfg = "route:\n  receiver: team\n  group_by: ['...']\n" + RECEIVERS
    assert rule_ids(check(repo({"alertmanager.yml": cfg}), select=["AM012", "AM013"]).findings) == ["AM012"]
    to_null = cfg.replace("receiver: team", 'receiver: "null"')
    assert check(repo({"alertmanager.yml": to_null}), select=["AM012", "AM013"]).findings == []
    ns_only = cfg.replace("['...']", "[namespace]")
    f = check(repo({"alertmanager.yml": ns_only}), select=["AM012", "AM013"]).findings
    assert rule_ids(f) == ["AM013"] and f[0].loc.line == 3


# --- model ----------------------------------------------------------------------------------
def test_chart_defaults_merge_and_universe(repo):
    values = """\
defaultRules:
  rules: {etcd: false}
  disabled: {TargetDown: true}
customRules:
  KubePodCrashLooping: {severity: critical}
prometheus:
  prometheusSpec:
    externalLabels: {cluster: home}
alertmanager:
  config:
    receivers:
      - name: "null"
      - name: team
        webhook_configs: [{url: "https://example.org/team"}]
"""
    idx = index_of(repo, {"hr.yaml": hr(values), "rules.yaml": RULES})
    [src] = alertmanager_configs(idx)
    root = src.route
    # the chart's default route and inhibit rules are merged under the user's receivers
    assert root.receiver == "null" and [r.slug() for r in root.routes] == ['{alertname="Watchdog"}']
    assert len(src.config.inhibit_rules) == 4
    alerts = {a.name: a for a in alert_universe(idx)}
    assert "etcdNoLeader" not in alerts and "TargetDown" not in alerts
    assert alerts["KubePodCrashLooping"].labels["severity"] == "critical"
    assert alerts["AppDown"].labels == {"cluster": "home", "severity": "critical", "alertname": "AppDown"}
    assert "prometheus" in alerts["AppDown"].dynamic


def test_secret_file_and_global_alertmanagerconfig_sources(repo):
    secret = """\
apiVersion: v1
kind: Secret
metadata: {name: alertmanager-main, namespace: monitoring}
stringData:
  alertmanager.yaml: |
    route:
      receiver: team
    receivers:
      - name: team
"""
    global_amc = """\
apiVersion: monitoring.coreos.com/v1alpha1
kind: AlertmanagerConfig
metadata: {name: global, namespace: monitoring}
spec:
  route:
    receiver: team
    routes:
      - receiver: pager
        matchers: [{name: severity, value: critical}]
  receivers:
    - name: team
    - name: pager
"""
    values = "alertmanager:\n  alertmanagerSpec:\n    alertmanagerConfiguration: {name: global}\n"
    idx = index_of(repo, {"secret.yaml": secret, "amc.yaml": global_amc, "hr.yaml": hr(values)})
    srcs = {s.origin: s for s in alertmanager_configs(idx)}
    assert set(srcs) == {"secret", "helm-values"}
    assert srcs["secret"].config.routes_to({}) == ["team"]
    g = srcs["helm-values"]
    assert g.config.routes_to({"severity": "critical"}) == ["monitoring/global/pager"]
    assert g.route.matchers == [] and g.route.routes[0].continue_ is False
    # a SOPS-encrypted Secret is never read
    enc = secret + "sops:\n  version: 3.9.0\n  age: []\n"
    idx2 = index_of(repo, {"secret.yaml": enc})
    assert alertmanager_configs(idx2) == []


def test_alertmanagerconfig_selection(repo):
    amc = """\
apiVersion: monitoring.coreos.com/v1alpha1
kind: AlertmanagerConfig
metadata: {name: web, namespace: shop, labels: {team: shop}}
spec:
  route: {receiver: r}
  receivers: [{name: r}]
"""
    sel = "alertmanager:\n  alertmanagerSpec:\n    alertmanagerConfigSelector: {matchLabels: {team: payments}}\n"
    idx = index_of(repo, {"hr.yaml": hr(sel), "amc.yaml": amc})
    [src] = alertmanager_configs(idx)
    assert src.amconfigs == []
    idx = index_of(repo, {"hr.yaml": hr(sel.replace("payments", "shop")), "amc.yaml": amc})
    [src] = alertmanager_configs(idx)
    assert [a.obj.name for a in src.amconfigs] == ["web"]


def test_hostile_input_never_crashes(repo):
    weird_configs = [
        "route: just-a-string\nreceivers: []\n",
        "route: {receiver: 5, routes: {a: b}}\nreceivers: [{name: 5}]\n",
        "route: {receiver: a, routes: [1, null, {matchers: 7}, {matchers: [1, 'x=~\"(\"', '{a=\"b\"']}]}\n"
        "receivers: [a]\n",
        "route: {receiver: a, group_by: x, group_wait: 5q, routes: [{match: [1], match_re: {a: null}}]}\n"
        "receivers: [{name: a}]\n",
        "route: {receiver: a, routes: [{matchers: ['a=~\"\\\\p{Greek}\"'], receiver: a}]}\nreceivers: [{name: a}]\n"
        "inhibit_rules: [1, {source_matchers: 5, equal: x}, {target_match: {a: [1]}}]\n",
    ]
    files = {f"am{k}/alertmanager.yml": text for k, text in enumerate(weird_configs)}
    files["hr.yaml"] = hr("alertmanager:\n  config: [1, 2]\n  alertmanagerSpec: {alertmanagerConfigSelector: 5}\n")
    files["hr2.yaml"] = hr("alertmanager: nope\ndefaultRules: {rules: 5, disabled: [1]}\n").replace(
        "kube-prometheus-stack, namespace", "kps2, namespace"
    )
    files["amc.yaml"] = """\
apiVersion: monitoring.coreos.com/v1alpha1
kind: AlertmanagerConfig
metadata: {name: x, namespace: y, labels: [1]}
spec:
  route: {receiver: null, matchers: [{name: 1}, 5], routes: [7, {receiver: r, groupBy: 5}]}
  receivers: [5, {name: r, webhookConfigs: 7}]
  inhibitRules: [5, {sourceMatch: 3}]
"""
    result = check(repo(files), select=["AM"])
    assert not result.errors, result.errors
    assert "AM014" in rule_ids(result.findings)


def test_amtool_validates_receiver_settings_once(repo):
    from tests.conftest import require_tool

    require_tool("amtool")
    slack = "route: {receiver: s}\nreceivers:\n  - name: s\n    slack_configs: [{channel: '#x'}]\n"
    newer = (
        "route: {receiver: p}\nreceivers:\n  - name: p\n    pushover_configs:\n"
        "      - {user_key_file: /etc/secrets/user, token_file: /etc/secrets/token}\n"
    )
    substituted = (
        "route: {receiver: s}\nreceivers:\n  - name: s\n    slack_configs: [{channel: '#x', api_url: '${SLACK}'}]\n"
    )
    findings = check(
        repo({"a/alertmanager.yml": slack, "b/alertmanager.yml": newer, "c/alertmanager.yml": substituted}),
        select=["AM014"],
    ).findings
    assert [(f.loc.path, "Slack API URL" in f.message) for f in findings] == [("a/alertmanager.yml", True)]


def test_amtool_output_parsing():
    from obslint.tools.amtool import _parse, relevant

    out = (
        "Checking '/tmp/x/alertmanager-0.yml'  FAILED: yaml: unmarshal errors:\n"
        "  line 6: field user_key_file not found in type config.plain\n\n"
        "Checking '/tmp/x/alertmanager-1.yml'  SUCCESS\nFound:\n - route\n\n"
        "Checking '/tmp/x/alertmanager-2.yml'  FAILED: no global Slack API URL set either inline or in a file\n\n"
    )
    parsed = _parse(out)
    assert set(parsed) == {"alertmanager-0.yml", "alertmanager-2.yml"}
    assert relevant(parsed["alertmanager-0.yml"]) is None
    assert relevant(parsed["alertmanager-2.yml"]) == "no global Slack API URL set either inline or in a file"


def test_chart_default_receiver_undefined_is_explained(repo):
    values = am("route:\n  group_by: [alertname]\nreceivers:\n  - name: team\n", extra="")
    findings = run(repo, {"hr.yaml": values}, "AM001")
    assert len(findings) == 1 and 'undefined receiver "null"' in findings[0].message
    assert "chart's default" in findings[0].hint and findings[0].loc.path == "hr.yaml"


def test_chart_default_inhibit_rules_are_not_reported(repo):
    # the user writes no inhibit_rules: the chart's defaults apply; with default rules off, no
    # alert has severity=info, but the user did not write those rules
    values = am("route: {receiver: team}\n" + RECEIVERS)
    result = check(repo({"hr.yaml": values, "rules.yaml": RULES}), select=["AM009", "AM010"])
    assert result.findings == []


def test_alertmanagerconfig_time_intervals_are_namespaced(repo):
    amc = """\
apiVersion: monitoring.coreos.com/v1beta1
kind: AlertmanagerConfig
metadata: {name: web, namespace: shop}
spec:
  route:
    receiver: r
    routes:
      - {receiver: r, muteTimeIntervals: [nights], matchers: [{name: team, value: shop}]}
  receivers: [{name: r, webhookConfigs: [{url: "https://example.org/r"}]}]
  timeIntervals:
    - name: nights
      timeIntervals: [{times: [{startTime: "22:00", endTime: "24:00"}]}]
"""
    base = am("route: {receiver: team}\n" + RECEIVERS)
    assert run(repo, {"hr.yaml": base, "amc.yaml": amc}, "AM011") == []
    broken = amc.replace("muteTimeIntervals: [nights]", "muteTimeIntervals: [night]")
    f = run(repo, {"hr.yaml": base, "amc.yaml": broken}, "AM011")
    assert len(f) == 1 and "shop/web/night" in f[0].message and f[0].loc.path == "amc.yaml"


def test_base64_secret_config_is_read(repo):
    import base64

    text = (
        'route:\n  receiver: team\n  routes:\n    - {matchers: [x="1"], receiver: pager}\nreceivers:\n  - name: team\n'
    )
    secret = (
        "apiVersion: v1\nkind: Secret\nmetadata: {name: alertmanager-main, namespace: monitoring}\ndata:\n"
        f"  alertmanager.yaml: {base64.b64encode(text.encode()).decode()}\n"
    )
    findings = run(repo, {"secret.yaml": secret}, "AM001")
    assert [(f.loc.path, f.loc.line) for f in findings] == [("secret.yaml", 5)]
    assert 'undefined receiver "pager"' in findings[0].message


def test_universe_has_loki_ruler_and_flux_alerts(repo):
    loki_rules = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: loki-rules, namespace: monitoring, labels: {loki_rule: "1"}}
data:
  rules.yaml: |
    groups:
      - name: logs
        rules:
          - alert: TooManyErrors
            expr: sum(rate({app="web"} |= "error" [5m])) > 10
            labels: {severity: warning, team: "{{ $labels.app }}"}
"""
    flux = """\
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata: {name: am, namespace: flux-system}
spec: {type: alertmanager, address: "http://am.example.org/api/v2/alerts"}
---
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Alert
metadata: {name: all, namespace: flux-system}
spec:
  providerRef: {name: am}
  eventSeverity: error
  eventMetadata: {cluster: home}
  eventSources: [{kind: Kustomization, name: "*"}]
"""
    values = "prometheus:\n  prometheusSpec:\n    externalLabels: {cluster: home}\ndefaultRules: {create: false}\n"
    idx = index_of(repo, {"loki.yaml": loki_rules, "flux.yaml": flux, "hr.yaml": hr(values)})
    alerts = alert_universe(idx)
    loki = [a for a in alerts if a.name == "TooManyErrors"]
    assert len(loki) == 1 and loki[0].engine == "logql"
    assert loki[0].labels == {"severity": "warning", "alertname": "TooManyErrors"}  # no Prometheus labels
    assert "team" in loki[0].dynamic
    [fx] = [a for a in alerts if a.origin == "flux"]
    assert fx.labels == {"cluster": "home", "severity": "error", "kind": "Kustomization"}
    assert fx.prefixes == {"alertname": "FluxKustomization"}


# --- AM016 ----------------------------------------------------------------------------------
def test_deprecated_match_on_routes_and_inhibit_rules(repo):
    cfg = (
        "route:\n  receiver: team\n  routes:\n    - receiver: pager\n      match: {severity: critical}\n"
        '      matchers: [team="db"]\n'
        "inhibit_rules:\n  - source_match: {severity: critical}\n    target_match_re: {severity: warning|info}\n"
        "    equal: [alertname]\n" + RECEIVERS
    )
    findings = run(repo, {"alertmanager.yml": cfg}, "AM016")
    assert [(f.loc.line, f.message) for f in findings] == [
        (5, "route of file alertmanager.yml uses the deprecated `match`"),
        (8, "inhibit rule of file alertmanager.yml uses the deprecated `source_match` and `target_match_re`"),
    ]
    route_fix, inhibit_fix = (f.fix for f in findings)
    assert route_fix is not None and inhibit_fix is not None
    assert [(e.old, e.new, e.items) for e in route_fix.edits] == [
        (("match", "match_re"), "matchers", ('severity="critical"',))
    ]
    assert [(e.new, e.items) for e in inhibit_fix.edits] == [
        ("source_matchers", ('severity="critical"',)),
        ("target_matchers", ('severity=~"warning|info"',)),
    ]
    assert run(repo, {"alertmanager.yml": 'route:\n  receiver: team\n  matchers: [a="b"]\n' + RECEIVERS}, "AM016") == []


def test_deprecated_match_is_not_fixed_when_a_value_needs_escaping(repo):
    cfg = "route:\n  receiver: team\n  routes:\n    - receiver: pager\n      match_re: {path: '\\d+'}\n" + RECEIVERS
    findings = run(repo, {"alertmanager.yml": cfg}, "AM016")
    assert len(findings) == 1 and findings[0].fix is None


def test_default_rule_switches_take_the_pinned_versions_defaults(repo, monkeypatch):
    """A rule file the pinned chart version switches off by default contributes no alerts (the switches'
    defaults come from the chart facts of that version, not from the version whose rules were read)."""
    real = facts._defaults()
    kps = real["kube-prometheus-stack"]
    switched_off = {**kps, "defaults": {**kps["defaults"], "defaultRules.rules.etcd": [[0, 10_000, False]]}}
    monkeypatch.setattr(facts, "_defaults", lambda: {**real, "kube-prometheus-stack": switched_off})
    alerts = {a.name for a in alert_universe(index_of(repo, {"hr.yaml": hr("{}\n")}))}
    assert "etcdNoLeader" not in alerts and "KubePodCrashLooping" in alerts
    monkeypatch.setattr(facts, "_defaults", lambda: real)
    alerts = {a.name for a in alert_universe(index_of(repo, {"hr.yaml": hr("{}\n")}))}
    assert "etcdNoLeader" in alerts


def test_alert_dropped_counts_chart_default_alerts_by_name(repo):
    """KubeAPIErrorBudgetBurn is four rules of one name (two of them warnings): the hint counts names, as the
    message does."""
    cfg = am(
        'route:\n  receiver: pager\n  routes:\n    - matchers: [severity="warning"]\n      receiver: "null"\n'
        + RECEIVERS,
        extra="",
    )
    (f,) = run(repo, {"hr.yaml": cfg}, "AM003")
    dropped = int(f.message.split(" alerts can only reach")[0])
    assert f"; {dropped} are kube-prometheus-stack default rules" in f.hint, (f.message, f.hint)
