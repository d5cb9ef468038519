"""LOKI008 loki-rules-not-loaded: the Loki rules sidecar only watches its searchNamespace."""

from __future__ import annotations

import textwrap

from tests.conftest import check


def _loki(sidecar: str = "", version: str = "6.46.0") -> str:
    return textwrap.dedent(f"""\
        apiVersion: helm.toolkit.fluxcd.io/v2
        kind: HelmRelease
        metadata: {{name: loki, namespace: monitoring}}
        spec:
          chart: {{spec: {{chart: loki, version: {version}}}}}
          values:
            sidecar:
              rules: {{{sidecar}}}
        """)


def _rules_cm(namespace: str, labels: str = 'loki_rule: "1"', kind: str = "ConfigMap") -> str:
    return textwrap.dedent(f"""\
        apiVersion: v1
        kind: {kind}
        metadata:
          name: app-rules
          namespace: {namespace}
          labels: {{{labels}}}
        data:
          rules.yaml: "groups: []"
        """)


def _run(repo, files):
    result = check(repo(files), select=["LOKI008"])
    assert not result.errors, result.errors
    return result.findings


def test_rules_outside_loki_namespace(repo):
    found = _run(repo, {"loki.yaml": _loki(), "cm.yaml": _rules_cm("shop")})
    assert len(found) == 1
    assert (found[0].loc.path, found[0].loc.line) == ("cm.yaml", 5)
    assert "namespace shop" in found[0].message and "only watches monitoring" in found[0].message
    assert _run(repo, {"loki.yaml": _loki(), "cm.yaml": _rules_cm("monitoring")}) == []


def test_search_namespace(repo):
    assert _run(repo, {"loki.yaml": _loki("searchNamespace: ALL"), "cm.yaml": _rules_cm("shop")}) == []
    assert _run(repo, {"loki.yaml": _loki('searchNamespace: "shop,web"'), "cm.yaml": _rules_cm("shop")}) == []
    assert len(_run(repo, {"loki.yaml": _loki("searchNamespace: web"), "cm.yaml": _rules_cm("shop")})) == 1


def test_only_what_the_sidecar_would_pick_up(repo):
    # another label value, another label, a Secret when the sidecar reads ConfigMaps only
    files = {"loki.yaml": _loki('labelValue: "true"'), "cm.yaml": _rules_cm("shop")}
    assert _run(repo, files) == []
    assert _run(repo, {"loki.yaml": _loki(), "cm.yaml": _rules_cm("shop", "app: shop")}) == []
    secret = _rules_cm("shop", kind="Secret").replace("\ndata:", "\nstringData:")
    assert len(_run(repo, {"loki.yaml": _loki(), "s.yaml": secret})) == 1
    assert _run(repo, {"loki.yaml": _loki("resource: configmap"), "s.yaml": secret}) == []
    # a chart before the sidecar existed, or the sidecar turned off
    assert _run(repo, {"loki.yaml": _loki(version="5.8.0"), "cm.yaml": _rules_cm("shop")}) == []
    assert _run(repo, {"loki.yaml": _loki("enabled: false"), "cm.yaml": _rules_cm("shop")}) == []


def test_generated_configmap(repo):
    kustomization = textwrap.dedent("""\
        apiVersion: kustomize.config.k8s.io/v1beta1
        kind: Kustomization
        namespace: shop
        configMapGenerator:
          - name: shop-rules
            files: [rules.yaml]
            options:
              labels: {loki_rule: "1"}
        """)
    files = {"loki.yaml": _loki(), "shop/kustomization.yaml": kustomization, "shop/rules.yaml": "groups: []\n"}
    found = _run(repo, files)
    assert len(found) == 1 and "configMapGenerator" in found[0].message
    assert (found[0].loc.path, found[0].loc.line) == ("shop/kustomization.yaml", 3)


def test_sidecar_values_from_elsewhere(repo):
    loki = _loki().replace("  values:\n", "  valuesFrom:\n    - {kind: Secret, name: loki-values}\n  values:\n")
    assert _run(repo, {"loki.yaml": loki, "cm.yaml": _rules_cm("shop")}) == []


def test_defaults_are_the_charts():
    # the defaults LOKI008 assumes when values set nothing, as the loki chart ships them
    import yaml

    from tests.conftest import DATA

    values = yaml.safe_load((DATA / "charts" / "loki-6.46.0" / "values.yaml").read_text(encoding="utf-8"))
    rules = values["sidecar"]["rules"]
    assert (rules["enabled"], rules["label"], rules["labelValue"]) == (True, "loki_rule", "")
    assert (rules["searchNamespace"], rules["resource"]) == (None, "both")
