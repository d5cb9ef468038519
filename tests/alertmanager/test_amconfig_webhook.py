"""AM001 for AlertmanagerConfig objects no Alertmanager selects, when the repository registers the
operator's AlertmanagerConfig admission webhook."""

from __future__ import annotations

from tests.conftest import check

WEBHOOK = """\
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: prometheus-operator-alertmanager-config-validation}
webhooks:
  - name: alertmanagerconfigsvalidate.monitoring.coreos.com
    clientConfig:
      service: {name: prometheus-operator, namespace: monitoring, path: /admission-alertmanagerconfigs/validate}
    rules:
      - apiGroups: [monitoring.coreos.com]
        apiVersions: [v1alpha1]
        operations: [CREATE, UPDATE]
        resources: [alertmanagerconfigs]
    admissionReviewVersions: [v1]
    sideEffects: None
"""

KPS_ONLY_RULES_WEBHOOK = WEBHOOK.replace("alertmanagerconfigs]", "prometheusrules]").replace(
    "/admission-alertmanagerconfigs/validate", "/admission-prometheusrules/validate"
)

AMC = """\
apiVersion: monitoring.coreos.com/v1alpha1
kind: AlertmanagerConfig
metadata: {name: team, namespace: apps}
spec:
  route:
    receiver: team
    routes:
      - receiver: pagr
        matchers: [{name: severity, value: critical}]
  receivers:
    - name: team
    - name: pager
"""


def am001(repo, files):
    return [f for f in check(repo(files), select=["AM001"]).findings]


def test_unselected_object_refused_by_a_registered_webhook(repo):
    (f,) = am001(repo, {"webhook.yaml": WEBHOOK, "amc.yaml": AMC})
    assert f.loc.line == 8
    assert 'receiver "pagr" not found in AlertmanagerConfig apps/team' in f.message
    assert f.hint == "did you mean 'pager'?"


def test_top_route_without_receiver(repo):
    text = AMC.replace("    receiver: team\n    routes:", "    routes:")
    (f,) = am001(repo, {"webhook.yaml": WEBHOOK, "amc.yaml": text.replace("receiver: pagr", "receiver: pager")})
    assert 'receiver "" not found' in f.message


def test_no_webhook_registered_nothing_refuses(repo):
    assert am001(repo, {"amc.yaml": AMC}) == []
    assert am001(repo, {"webhook.yaml": KPS_ONLY_RULES_WEBHOOK, "amc.yaml": AMC}) == []


def test_valid_object_passes(repo):
    assert am001(repo, {"webhook.yaml": WEBHOOK, "amc.yaml": AMC.replace("pagr", "pager")}) == []
