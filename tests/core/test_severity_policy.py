"""The severity policy (README, "Severity policy"), held over every registered rule.

- A rule's severity agrees with its declared basis: error needs Basis.CERTAIN, Basis.ASSUMPTION
  allows at most warning, Basis.STYLE is info.
- Every finding of the failing examples and of the reference-stack mutations is no more severe
  than its rule and its own basis allow.
- A finding that rests on an unknown is never an error: small repositories where the object a rule
  needs is unknown (a Secret an operator could make, a Service in a namespace another repository
  fills, values from a Secret) give no error, while their twin where the object is absent does
  make the rule fire.
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import tests.mutations as mutations_pkg
from obslint.findings import Basis, Finding, Loc, Severity
from obslint.rules import REGISTRY, example_files, load_rules, rule
from tests.conftest import REFERENCE_STACK, check, write_repo
from tests.schemas.test_schema_rules import RESOURCESET
from tests.secrets.helpers import encrypted_secret

RULES = load_rules().all()
for _info in pkgutil.iter_modules(mutations_pkg.__path__):
    importlib.import_module(f"tests.mutations.{_info.name}")


def policy_violations(findings: list[Finding]) -> list[str]:
    """Findings more severe than their rule, its basis or their own basis allow."""
    out = []
    for f in findings:
        r = REGISTRY.lookup(f.rule)
        assert r is not None, f.rule
        allowed = min(r.severity, r.basis.ceiling, f.basis.ceiling if f.basis else Severity.ERROR)
        if f.severity > allowed:
            out.append(f"{f.loc}: {f.rule} is {f.severity}, its policy allows {allowed}: {f.message}")
    return out


@pytest.mark.parametrize("r", RULES, ids=[r.id for r in RULES])
def test_severity_agrees_with_basis(r):
    assert isinstance(r.basis, Basis)
    assert r.severity <= r.basis.ceiling, (
        f"{r.id} is {r.severity}, but a rule on basis {r.basis} may be at most {r.basis.ceiling}"
    )
    if r.basis is Basis.STYLE:
        assert r.severity is Severity.INFO


def test_basis_ceilings():
    assert [b.ceiling for b in Basis] == [Severity.ERROR, Severity.WARNING, Severity.INFO]


def test_a_rule_cannot_be_declared_without_a_typed_basis():
    common = dict(why="w", failing="f", passing="p", fix="x")
    with pytest.raises(TypeError):
        rule("TEST001", "no-basis", "warning", "s", **common)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="basis must be a Basis"):
        rule("TEST001", "string-basis", "warning", "s", basis="certain", **common)  # type: ignore[arg-type]


def test_a_finding_is_stamped_at_most_what_its_basis_allows():
    loc = Loc("a.yaml")
    assert Finding(loc, "m").stamped("X001", "x", Severity.ERROR).severity is Severity.ERROR
    lowered = Finding(loc, "m", basis=Basis.ASSUMPTION).stamped("X001", "x", Severity.ERROR)
    assert lowered.severity is Severity.WARNING
    info = Finding(loc, "m", basis=Basis.ASSUMPTION).stamped("X001", "x", Severity.INFO)
    assert info.severity is Severity.INFO


@pytest.mark.parametrize("r", RULES, ids=[r.id for r in RULES])
def test_failing_example_within_policy(r, tmp_path):
    result = check(write_repo(tmp_path / "failing", example_files(r.failing)))
    assert not result.errors, result.errors
    assert not policy_violations(result.findings)


# --- unknown is never an error ---------------------------------------------------------------

CLUSTER = """
-- clusters/home/apps.yaml --
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: monitoring, namespace: flux-system}
spec:
  interval: 10m
  path: ./monitoring
  prune: true
  sourceRef: {kind: GitRepository, name: flux-system}
  decryption: {provider: sops, secretRef: {name: sops-age}}
-- clusters/home/sources.yaml --
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: charts, namespace: flux-system}
spec: {interval: 1h, url: https://charts.example.org}
-- monitoring/namespace.yaml --
apiVersion: v1
kind: Namespace
metadata: {name: monitoring}
-- monitoring/other-secret.yaml --
# The repository does create Secrets in this cluster: a Secret it does not create can be absent.
apiVersion: v1
kind: Secret
metadata: {name: unrelated, namespace: monitoring}
stringData: {}
"""


def _hr(name: str, chart: str, version: str, values: str, spec: str = "") -> str:
    body = "".join(f"    {line}\n" for line in values.strip("\n").splitlines())
    return f"""apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {{name: {name}, namespace: monitoring}}
spec:
  interval: 30m
  chart:
    spec:
      chart: {chart}
      version: {version}
      sourceRef: {{kind: HelmRepository, name: charts, namespace: flux-system}}
{spec}  values:
{body}"""


def _kustomization(*resources: str) -> str:
    return (
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        f"resources: [namespace.yaml, other-secret.yaml, {', '.join(resources)}]\n"
    )


# The namespace exists in the repository, with a Service, but nothing else builds into it.
LOCAL_BRIDGE = """
-- clusters/home/bridge.yaml --
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: bridge, namespace: flux-system}
spec:
  interval: 10m
  path: ./bridge
  prune: true
  sourceRef: {kind: GitRepository, name: flux-system}
-- bridge/kustomization.yaml --
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: bridge
resources: [all.yaml]
-- bridge/all.yaml --
apiVersion: v1
kind: Namespace
metadata: {name: bridge}
---
apiVersion: v1
kind: Service
metadata: {name: signal-bridge}
spec:
  ports: [{port: 8080}]
"""

# The same, and another repository's Kustomization builds into `bridge` too: its Services are unknown.
OTHER_REPO = (
    LOCAL_BRIDGE
    + """
-- clusters/home/discord-bridge.yaml --
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: discord-bridge, namespace: flux-system}
spec: {interval: 1h, url: https://git.example.org/discord-bridge, ref: {tag: v1.0.0}}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: discord-bridge, namespace: flux-system}
spec:
  interval: 10m
  path: ./deploy
  prune: true
  targetNamespace: bridge
  sourceRef: {kind: GitRepository, name: discord-bridge}
"""
)
KPS_RECEIVER = _hr(
    "kube-prometheus-stack",
    "kube-prometheus-stack",
    "80.6.0",
    """
alertmanager:
  config:
    route: {receiver: discord}
    receivers:
      - name: "null"  # the chart's default Watchdog route sends there
      - name: discord
        webhook_configs:
          - url: http://discord-bridge.bridge.svc:9094
""",
)
PROVIDER = """apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata: {name: bridge, namespace: monitoring}
spec:
  type: alertmanager
  address: http://discord-bridge.bridge.svc:9094/api/v2/alerts
"""
ALLOY_TO_BRIDGE = """apiVersion: v1
kind: ConfigMap
metadata: {name: alloy-config, namespace: monitoring}
data:
  config.alloy: |
    loki.source.api "push" {
      http {
        listen_port = 3500
      }
      forward_to = [loki.write.default.receiver]
    }

    loki.write "default" {
      endpoint {
        url = "http://discord-bridge.bridge.svc:3100/loki/api/v1/push"
      }
    }
"""
LOKI_RULER_TO_BRIDGE = _hr(
    "loki",
    "loki",
    "6.46.0",
    """
deploymentMode: SingleBinary
loki:
  schemaConfig:
    configs:
      - {from: "2024-04-01", store: tsdb, object_store: filesystem, schema: v13, index: {prefix: index_, period: 24h}}
  rulerConfig:
    alertmanager_url: http://discord-bridge.bridge.svc:9093
""",
)
GRAFANA_OAUTH = _hr(
    "grafana",
    "grafana",
    "8.0.0",
    "admin: {existingSecret: grafana-oauth}",
    spec="  valuesFrom:\n    - {kind: Secret, name: grafana-oauth, valuesKey: values.yaml}\n",
)
# A custom resource of an operator obslint does not know, named like the Secret: it may make it.
SECRET_MAKER = """apiVersion: secrets.example.org/v1
kind: GeneratedSecret
metadata: {name: grafana-oauth, namespace: monitoring}
spec: {length: 32}
"""
# The values Secret is in the repository, SOPS-encrypted: it exists, what it holds is unknown.
KPS_VALUES = encrypted_secret("kps-values", "monitoring", keys=("values.yaml",))
KPS_VALUES_FROM = "  valuesFrom:\n    - {kind: Secret, name: kps-values, valuesKey: values.yaml}\n"
KPS_ROUTE_ONLY = _hr(
    "kube-prometheus-stack",
    "kube-prometheus-stack",
    "80.6.0",
    "alertmanager:\n  config:\n    route: {receiver: pager}\n",
    spec=KPS_VALUES_FROM,
)
KPS_PLAIN = _hr("kube-prometheus-stack", "kube-prometheus-stack", "80.6.0", "grafana: {enabled: false}")
PROMETHEUS_RULE = """apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {name: app-alerts, namespace: monitoring}
spec:
  groups:
    - name: app
      rules:
        - alert: AppDown
          expr: up{job="app"} == 0
          for: 5m
          labels: {severity: critical}
          annotations: {summary: app is down, description: app is down}
"""
LOKI_AUTH_DEFAULT = _hr(
    "loki",
    "loki",
    "6.46.0",
    """
deploymentMode: SingleBinary
loki:
  schemaConfig:
    configs:
      - {from: "2024-04-01", store: tsdb, object_store: filesystem, schema: v13, index: {prefix: index_, period: 24h}}
""",
)
ALLOY_NO_TENANT = ALLOY_TO_BRIDGE.replace("discord-bridge.bridge.svc:3100", "loki.monitoring.svc:3100")


def _files(*parts: str, resources: tuple[str, ...] = ()) -> dict[str, str]:
    files: dict[str, str] = {}
    for part in (CLUSTER, *parts):
        files.update(example_files(part))
    files["monitoring/kustomization.yaml"] = _kustomization(*resources)
    return files


def _doc(path: str, text: str) -> str:
    return f"-- {path} --\n{text}"


# name: (repository where the object is unknown, its twin where it is absent, the rule that fires on
# the twin and its severity there: a Service or Secret nothing in the repository creates may still
# come from outside it, so that is a warning; what the repository alone decides may be an error)
UNKNOWN_CASES = {
    "receiver-service-from-another-repository": (
        _files(OTHER_REPO, _doc("monitoring/kps.yaml", KPS_RECEIVER), resources=("kps.yaml",)),
        _files(LOCAL_BRIDGE, _doc("monitoring/kps.yaml", KPS_RECEIVER), resources=("kps.yaml",)),
        "AM008",
        Severity.WARNING,
    ),
    "provider-service-from-another-repository": (
        _files(OTHER_REPO, _doc("monitoring/provider.yaml", PROVIDER), resources=("provider.yaml",)),
        _files(LOCAL_BRIDGE, _doc("monitoring/provider.yaml", PROVIDER), resources=("provider.yaml",)),
        "AM008",
        Severity.WARNING,
    ),
    "alloy-endpoint-from-another-repository": (
        _files(OTHER_REPO, _doc("monitoring/alloy.yaml", ALLOY_TO_BRIDGE), resources=("alloy.yaml",)),
        _files(LOCAL_BRIDGE, _doc("monitoring/alloy.yaml", ALLOY_TO_BRIDGE), resources=("alloy.yaml",)),
        "ALLOY007",
        Severity.WARNING,
    ),
    "loki-ruler-to-service-from-another-repository": (
        _files(OTHER_REPO, _doc("monitoring/loki.yaml", LOKI_RULER_TO_BRIDGE), resources=("loki.yaml",)),
        _files(LOCAL_BRIDGE, _doc("monitoring/loki.yaml", LOKI_RULER_TO_BRIDGE), resources=("loki.yaml",)),
        "LOKI006",
        Severity.WARNING,
    ),
    "secret-an-operator-could-make": (
        _files(
            _doc("monitoring/grafana.yaml", GRAFANA_OAUTH),
            _doc("monitoring/maker.yaml", SECRET_MAKER),
            resources=("grafana.yaml", "maker.yaml"),
        ),
        _files(_doc("monitoring/grafana.yaml", GRAFANA_OAUTH), resources=("grafana.yaml",)),
        "SEC006",
        Severity.INFO,
    ),
    "alertmanager-receivers-from-a-values-secret": (
        _files(
            _doc("monitoring/kps.yaml", KPS_ROUTE_ONLY),
            _doc("monitoring/kps-values.yaml", KPS_VALUES),
            resources=("kps.yaml", "kps-values.yaml"),
        ),
        _files(
            _doc("monitoring/kps.yaml", KPS_ROUTE_ONLY.replace(KPS_VALUES_FROM, "")),
            resources=("kps.yaml",),
        ),
        "AM001",
        Severity.ERROR,
    ),
    "prometheus-selectors-from-a-values-secret": (
        _files(
            _doc("monitoring/kps.yaml", KPS_PLAIN.replace("  values:", KPS_VALUES_FROM + "  values:")),
            _doc("monitoring/rules.yaml", PROMETHEUS_RULE),
            _doc("monitoring/kps-values.yaml", KPS_VALUES),
            resources=("kps.yaml", "rules.yaml", "kps-values.yaml"),
        ),
        _files(
            _doc("monitoring/kps.yaml", KPS_PLAIN),
            _doc("monitoring/rules.yaml", PROMETHEUS_RULE),
            resources=("kps.yaml", "rules.yaml"),
        ),
        "PROM002",
        Severity.ERROR,
    ),
    "loki-auth-from-a-values-secret": (
        _files(
            _doc("monitoring/loki.yaml", LOKI_AUTH_DEFAULT.replace("  values:", KPS_VALUES_FROM + "  values:")),
            _doc("monitoring/alloy.yaml", ALLOY_NO_TENANT),
            _doc("monitoring/kps-values.yaml", KPS_VALUES),
            resources=("loki.yaml", "alloy.yaml", "kps-values.yaml"),
        ),
        _files(
            _doc("monitoring/loki.yaml", LOKI_AUTH_DEFAULT),
            _doc("monitoring/alloy.yaml", ALLOY_NO_TENANT),
            resources=("loki.yaml", "alloy.yaml"),
        ),
        "LOKI005",
        Severity.ERROR,
    ),
    "resourceset-names-from-an-input-provider": (
        # its inputs come from a provider at run time: the names it makes are unknown
        _files(_doc("monitoring/rset.yaml", RESOURCESET), resources=("rset.yaml",)),
        _files(
            _doc("monitoring/rset.yaml", RESOURCESET.replace("pr-<< inputs.id >>", "Pr_x")), resources=("rset.yaml",)
        ),
        "FLUX050",
        Severity.ERROR,
    ),
}


def _describe(findings: list[Finding]) -> str:
    return "\n".join(f"{f.loc}: {f.rule} {f.severity} {f.message}" for f in findings)


@pytest.mark.parametrize("name", sorted(UNKNOWN_CASES))
def test_unknown_is_never_an_error(name, tmp_path):
    unknown, absent, rule_id, severity = UNKNOWN_CASES[name]
    twin = check(write_repo(tmp_path / "absent", absent))
    assert not twin.errors, twin.errors
    fired = {f.severity for f in twin.findings if f.rule == rule_id}
    assert fired == {severity}, f"{rule_id} on the twin: expected {severity}\n{_describe(twin.findings)}"
    result = check(write_repo(tmp_path / "unknown", unknown))
    assert not result.errors, result.errors
    errors = [f for f in result.findings if f.severity is Severity.ERROR]
    assert not errors, f"errors where the needed object is unknown:\n{_describe(errors)}"
    assert rule_id not in {f.rule for f in result.findings}, _describe(result.findings)


# --- the README's table -------------------------------------------------------------------------


def policy_table() -> str:
    """The README table of every rule by severity and basis, as the registry has them."""
    lines = ["| severity | certain | assumption | style |", "|---|---|---|---|"]
    for severity in sorted(Severity, reverse=True):
        cells = []
        for basis in Basis:
            ids = [r.id for r in RULES if r.severity is severity and r.basis is basis]
            cells.append(", ".join(ids) or "-")
        lines.append(f"| {severity} | {' | '.join(cells)} |")
    return "\n".join(lines) + "\n"


def test_readme_table_lists_every_rule_as_registered():
    readme = (REFERENCE_STACK.parent / "README.md").read_text(encoding="utf-8")
    assert policy_table() in readme, f"update the README's severity table to:\n{policy_table()}"
