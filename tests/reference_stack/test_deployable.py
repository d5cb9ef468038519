"""Proof that reference-stack/ deploys: kustomize builds, SOPS decrypts, amtool and promtool accept
the extracted configs. The tools are required in CI (tests.conftest.require_tool)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from obslint.tools import run_tool
from tests.conftest import DATA, REFERENCE_STACK, require_tool
from tests.reference_stack.stack import (
    TEST_AGE_KEY,
    flux_kustomization_paths,
    helm_merge,
    helm_release,
    objects,
    sops_files,
)

KPS_DEFAULTS = DATA / "charts" / "kube-prometheus-stack-80.6.0"


# --- kustomize ------------------------------------------------------------------------------------


def test_every_flux_kustomization_path_exists_with_a_kustomization():
    paths = flux_kustomization_paths()
    assert len(paths) >= 6, paths
    for rel in paths:
        assert (REFERENCE_STACK / rel / "kustomization.yaml").is_file(), rel


@pytest.mark.parametrize("rel", flux_kustomization_paths())
def test_flux_kustomization_path_builds(rel):
    kubectl = require_tool("kubectl")
    result = run_tool([kubectl, "kustomize", str(REFERENCE_STACK / rel)], timeout=120)
    assert result.returncode == 0, result.stderr
    built = [d for d in yaml.safe_load_all(result.stdout) if d]
    assert built, f"{rel} builds to nothing"
    for obj in built:
        assert obj.get("apiVersion") and obj.get("kind") and obj.get("metadata", {}).get("name"), obj


def test_kustomize_builds_every_manifest_file():
    """No manifest is left out of its directory's kustomization.yaml (kustomize would not see it)."""
    listed: set[Path] = set()
    for kfile in REFERENCE_STACK.rglob("kustomization.yaml"):
        data = yaml.safe_load(kfile.read_text(encoding="utf-8"))
        for res in data.get("resources", []):
            listed.add((kfile.parent / res).resolve())
    for path in REFERENCE_STACK.rglob("*.yaml"):
        if path.name in ("kustomization.yaml", ".sops.yaml", ".obslint.yaml"):
            continue
        resolved = path.resolve()
        assert resolved in listed or resolved.parent in listed, f"{path.relative_to(REFERENCE_STACK)} is not listed"


# --- SOPS -----------------------------------------------------------------------------------------


def test_secrets_are_sops_files():
    files = sops_files()
    secrets = {p for p in REFERENCE_STACK.rglob("*.yaml") if "kind: Secret" in p.read_text(encoding="utf-8")}
    assert secrets, "the stack has Secrets"
    assert secrets <= set(files), sorted(str(p) for p in secrets - set(files))


@pytest.mark.parametrize("path", sops_files(), ids=lambda p: str(p.relative_to(REFERENCE_STACK)))
def test_sops_file_decrypts_with_the_test_key(path):
    sops = require_tool("sops")
    result = run_tool(
        [sops, "--decrypt", str(path)],
        env={"SOPS_AGE_KEY_FILE": str(TEST_AGE_KEY)},
    )
    assert result.returncode == 0, result.stderr
    plain = yaml.safe_load(result.stdout)
    assert "sops" not in plain
    values = {**(plain.get("data") or {}), **(plain.get("stringData") or {})}
    assert values and all(isinstance(v, str) and not v.startswith("ENC[") for v in values.values())


def test_sops_creation_rule_matches_the_secret_files():
    rules = yaml.safe_load((REFERENCE_STACK / ".sops.yaml").read_text(encoding="utf-8"))["creation_rules"]
    for path in sops_files():
        rel = str(path.relative_to(REFERENCE_STACK))
        assert any(re.search(r["path_regex"], rel) for r in rules), rel
    recipient = next(line for line in TEST_AGE_KEY.read_text().splitlines() if line.startswith("# public key:"))
    assert all(r["age"] == recipient.split(": ")[1] for r in rules)


# --- Alertmanager ---------------------------------------------------------------------------------

# Alertmanager fields that kube-prometheus-stack 80.6.0's Alertmanager (v0.30.0) reads but an older
# amtool cannot parse, with the version that added them. Pushover `user_key_file`/`token_file` came
# with Alertmanager v0.26.0 (https://github.com/prometheus/alertmanager/pull/3200, released in 0.26;
# prometheus-operator gates them on >= 0.26 too: prometheus-operator/prometheus-operator#5886).
# Debian's amtool is 0.25.0 and fails with "field user_key_file not found in type config.plain".
# For such an amtool they are swapped for their inline twin with a dummy value in the copy that
# amtool checks; what the *_file fields point at is proven separately below.
NEWER_FILE_FIELDS = {
    ("pushover_configs", "user_key_file"): ("user_key", (0, 26)),
    ("pushover_configs", "token_file"): ("token", (0, 26)),
}


def _rendered_alertmanager_config() -> dict:
    """What the chart renders into the alertmanager.yaml Secret: chart defaults merged with the values."""
    defaults = yaml.safe_load((KPS_DEFAULTS / "values.yaml").read_text(encoding="utf-8"))["alertmanager"]["config"]
    values = helm_release("kube-prometheus-stack")["spec"]["values"]["alertmanager"]["config"]
    return helm_merge(defaults, values)


def _amtool_version(amtool: str) -> tuple[int, int]:
    out = run_tool([amtool, "--version"])
    m = re.search(r"version (\d+)\.(\d+)", out.stdout + out.stderr)
    assert m, out
    return int(m.group(1)), int(m.group(2))


def _downgrade_for(config: dict, version: tuple[int, int]) -> list[str]:
    swapped = []
    for receiver in config.get("receivers", []):
        for (integration, field), (inline, since) in NEWER_FILE_FIELDS.items():
            for cfg in receiver.get(integration) or []:
                if field in cfg and version < since:
                    cfg.pop(field)
                    cfg[inline] = "amtool-check-placeholder"
                    swapped.append(f"{receiver['name']}.{integration}.{field}")
    return swapped


def test_alertmanager_config_passes_amtool(tmp_path):
    amtool = require_tool("amtool")
    config = _rendered_alertmanager_config()
    _downgrade_for(config, _amtool_version(amtool))
    path = tmp_path / "alertmanager.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    result = run_tool([amtool, "check-config", str(path)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_amtool_only_objects_to_the_newer_fields(tmp_path):
    """Unmodified, the config passes an amtool >= 0.26; an older amtool rejects it for exactly the
    fields listed in NEWER_FILE_FIELDS and nothing else."""
    amtool = require_tool("amtool")
    path = tmp_path / "alertmanager.yaml"
    path.write_text(yaml.safe_dump(_rendered_alertmanager_config(), sort_keys=False), encoding="utf-8")
    result = run_tool([amtool, "check-config", str(path)])
    if _amtool_version(amtool) >= (0, 26):
        assert result.returncode == 0, result.stdout + result.stderr
        return
    assert result.returncode != 0
    complaints = set(re.findall(r"field (\w+) not found", result.stdout + result.stderr))
    assert complaints == {field for _, field in NEWER_FILE_FIELDS}, result.stdout + result.stderr


def test_alertmanager_config_fails_amtool_when_broken(tmp_path):
    """The amtool check is not vacuous: a route to an undefined receiver is rejected."""
    amtool = require_tool("amtool")
    config = _rendered_alertmanager_config()
    _downgrade_for(config, _amtool_version(amtool))
    config["route"]["routes"][0]["receiver"] = "no-such-receiver"
    path = tmp_path / "alertmanager.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    assert run_tool([amtool, "check-config", str(path)]).returncode != 0


def test_alertmanager_credentials_are_files_from_mounted_secrets():
    """Every *_file path is /etc/alertmanager/secrets/<secret>/<key> of a Secret listed in
    alertmanagerSpec.secrets that the stack creates with that key; no inline credentials."""
    values = helm_release("kube-prometheus-stack")["spec"]["values"]["alertmanager"]
    mounted = set(values["alertmanagerSpec"]["secrets"])
    secrets = {s["metadata"]["name"]: s for s in objects("Secret") if s["metadata"].get("namespace") == "monitoring"}
    seen = 0
    for receiver in values["config"]["receivers"]:
        for integration, configs in receiver.items():
            if not integration.endswith("_configs"):
                continue
            for cfg in configs:
                assert not {"user_key", "token", "api_url", "password", "api_key"} & set(cfg), receiver["name"]
                for field, value in cfg.items():
                    if not field.endswith("_file"):
                        continue
                    m = re.fullmatch(r"/etc/alertmanager/secrets/([^/]+)/([^/]+)", value)
                    assert m, value
                    secret, key = m.groups()
                    assert secret in mounted, f"{secret} is not in alertmanagerSpec.secrets"
                    assert secret in secrets, f"no Secret {secret} in namespace monitoring"
                    keys = set(secrets[secret].get("stringData") or {}) | set(secrets[secret].get("data") or {})
                    assert key in keys, f"Secret {secret} has no key {key}"
                    seen += 1
    assert seen >= 4


def test_alertmanager_route_tree_shape():
    route = _rendered_alertmanager_config()["route"]
    receivers = {r["name"]: r for r in _rendered_alertmanager_config()["receivers"]}
    assert route["group_by"] == ["alertname", "namespace"]
    by_matcher = {tuple(r["matchers"]): r["receiver"] for r in route["routes"]}
    assert by_matcher[('alertname = "Watchdog"',)] == "null"
    assert receivers["null"] == {"name": "null"}
    critical = receivers[by_matcher[('severity = "critical"',)]]
    assert [c["priority"] for c in critical["pushover_configs"]] == ["1"]
    warning = receivers[by_matcher[('severity =~ "warning|info"',)]]
    assert [c["priority"] for c in warning["pushover_configs"]] == ["0"]


# --- rule groups ----------------------------------------------------------------------------------


def _prometheus_groups() -> list[dict]:
    return [g for pr in objects("PrometheusRule", "monitoring.coreos.com") for g in pr["spec"]["groups"]]


def _loki_groups() -> list[dict]:
    groups = []
    for cm in objects("ConfigMap"):
        if "loki_rule" in (cm["metadata"].get("labels") or {}):
            for text in cm["data"].values():
                groups.extend(yaml.safe_load(text)["groups"])
    return groups


def _promtool_check(tmp_path: Path, groups: list[dict]):
    promtool = require_tool("promtool")
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump({"groups": groups}, sort_keys=False), encoding="utf-8")
    return run_tool([promtool, "check", "rules", str(path)])


def test_prometheus_rule_groups_pass_promtool(tmp_path):
    groups = _prometheus_groups()
    assert len(groups) >= 3
    result = _promtool_check(tmp_path, groups)
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_rejects_a_broken_group(tmp_path):
    groups = _prometheus_groups()
    groups[0]["rules"][0]["expr"] = "sum(rate(x[5m])"
    assert _promtool_check(tmp_path, groups).returncode != 0


def test_loki_rule_groups_are_structurally_valid(tmp_path):
    """promtool cannot parse LogQL: the group structure (names, for, labels, annotation templates)
    is checked by promtool with each expression replaced by a PromQL constant."""
    groups = _loki_groups()
    assert groups, "the Loki ruler has rules"
    for group in groups:
        for rule in group["rules"]:
            assert re.search(r"\{[^}]*=", rule["expr"]), rule["expr"]  # a LogQL stream selector
            rule["expr"] = "vector(1)"
    result = _promtool_check(tmp_path, groups)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_severity_summary_description_and_for():
    for group in _prometheus_groups() + _loki_groups():
        for rule in group["rules"]:
            if "alert" not in rule:
                continue
            assert rule["labels"]["severity"] in ("critical", "warning", "info"), rule["alert"]
            assert {"summary", "description"} <= set(rule["annotations"]), rule["alert"]
            assert "for" in rule, rule["alert"]


def test_prometheus_rules_carry_the_rule_selector_label():
    release = helm_release("kube-prometheus-stack")
    spec = release["spec"]["values"]["prometheus"]["prometheusSpec"]
    assert spec.get("ruleSelectorNilUsesHelmValues", True) and not spec.get("ruleSelector")
    for pr in objects("PrometheusRule", "monitoring.coreos.com"):
        assert pr["metadata"]["labels"]["release"] == release["metadata"]["name"], pr["metadata"]["name"]
