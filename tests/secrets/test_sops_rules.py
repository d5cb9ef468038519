"""SEC001-SEC004: unencrypted Secrets, .sops.yaml coverage, broken SOPS files, Flux decryption."""

from __future__ import annotations

import pytest

from tests.conftest import check
from tests.secrets.helpers import ENC, SOPS_CONFIG, encrypted_secret, flux_ks, secret, sops_meta


def fired(root, rule_id):
    return [f for f in check(root, select=["SEC"]).findings if f.rule == rule_id]


# --- SEC001 unencrypted-secret --------------------------------------------------------------


def test_plain_secret_fires_with_key_names_not_values(repo):
    root = repo({"apps/s.yaml": secret(body="data:\n  token: c3VwZXItc2VjcmV0LXRva2Vu\n  empty: ''\n")})
    (f,) = fired(root, "SEC001")
    assert "token" in f.message and "c3VwZXI" not in f.message
    assert (f.loc.line, f.loc.col) == (7, 10)
    assert "no .sops.yaml" in f.hint


@pytest.mark.parametrize(
    "body",
    [
        "stringData:\n  password: ${GRAFANA_PASSWORD}\n",  # Flux post-build substitution
        "stringData:\n  password: ''\n",  # empty placeholder
        "type: kubernetes.io/service-account-token\n",
    ],
)
def test_secret_without_clear_values_is_quiet(repo, body):
    assert not fired(repo({"apps/s.yaml": secret(body=body)}), "SEC001")


def test_encrypted_sealed_and_external_secrets_are_quiet(repo):
    root = repo(
        {
            "apps/s.sops.yaml": encrypted_secret(),
            "apps/sealed.yaml": "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: x\n"
            "spec:\n  encryptedData:\n    password: AgBy3i4OJSWK+PiTySYZZA==\n",
        }
    )
    assert not fired(root, "SEC001")


def test_secret_generator_literals_and_clear_env_file(repo):
    root = repo(
        {
            "apps/kustomization.yaml": "secretGenerator:\n  - name: creds\n    literals:\n      - user=admin\n"
            "      - token=${TOKEN}\n  - name: env\n    envs:\n      - creds.env\n"
            "  - name: enc\n    envs:\n      - enc.sops.env\n",
            "apps/creds.env": "PASSWORD=plain-text-pass\n",
            "apps/enc.sops.env": "PASSWORD=ENC[AES256_GCM,data:abc=,iv:x=,tag:y=,type:str]\n"
            "sops_mac=ENC[AES256_GCM,data:abc=,iv:x=,tag:y=,type:str]\nsops_version=3.9.0\n"
            "sops_age__list_0__map_recipient=age1abc\n",
        }
    )
    found = fired(root, "SEC001")
    messages = sorted(f.message for f in found)
    assert len(found) == 2, messages
    assert any("literal" in m and "'user'" in m for m in messages)
    assert any("apps/creds.env" in m for m in messages)


# --- SEC002 sops-rules-gap ------------------------------------------------------------------


def test_dead_rule_uncovered_file_no_recipients(repo):
    root = repo(
        {
            ".sops.yaml": "creation_rules:\n  - path_regex: talos/.*\\.sops\\.ya?ml$\n    age: age1abc\n"
            "  - path_regex: apps/.*\\.enc\\.yaml$\n    encrypted_regex: ^(data|stringData)$\n",
            "apps/s.sops.yaml": encrypted_secret(),
        }
    )
    messages = [f.message for f in fired(root, "SEC002")]
    assert any("#1" in m and "matches no" in m for m in messages), messages
    assert any("#2" in m and "no recipients" in m for m in messages), messages
    assert any("no creation rule" in m and "apps/s.sops.yaml" in m for m in messages), messages


def test_encrypted_regex_leaving_stringdata_clear(repo):
    root = repo(
        {
            ".sops.yaml": "creation_rules:\n  - path_regex: \\.sops\\.yaml$\n    encrypted_regex: ^(data)$\n"
            "    age: age1abc\n",
            "apps/s.sops.yaml": encrypted_secret(),
        }
    )
    (f,) = fired(root, "SEC002")
    assert "stringData" in f.message and f.loc.path == ".sops.yaml" and f.loc.line == 3


def test_covering_config_is_quiet_and_nested_config_is_relative(repo):
    root = repo({".sops.yaml": SOPS_CONFIG, "apps/s.sops.yaml": encrypted_secret()})
    assert not fired(root, "SEC002")
    nested = repo(
        {
            "k8s/.sops.yaml": "creation_rules:\n  - path_regex: ^apps/\n    encrypted_regex: ^(data|stringData)$\n"
            "    age: age1abc\n",
            "k8s/apps/s.sops.yaml": encrypted_secret(),
        }
    )
    assert not fired(nested, "SEC002")


def test_invalid_regex_is_a_finding_unsupported_is_a_notice(repo):
    root = repo(
        {
            ".sops.yaml": "creation_rules:\n  - path_regex: (?!x)apps\n    age: age1abc\n"
            "  - path_regex: \\p{Greek}+\\.sops\\.yaml\n    age: age1abc\n",
            "apps/s.sops.yaml": encrypted_secret(),
        }
    )
    result = check(root, select=["SEC002"])
    assert not result.errors
    assert any("not a valid Go regular expression" in f.message for f in result.findings)
    assert any("not evaluated" in n for n in result.notices)


# --- SEC003 sops-file-broken ----------------------------------------------------------------


def test_missing_mac_and_recipients(repo):
    body = f"stringData:\n  password: {ENC}\n"
    root = repo({"apps/s.sops.yaml": secret(body=body, meta=sops_meta(mac=False, recipients=False))})
    messages = [f.message for f in fired(root, "SEC003")]
    assert any("no MAC" in m for m in messages) and any("no recipients" in m for m in messages)


def test_mixed_values_under_encrypted_regex(repo):
    body = f"stringData:\n  password: {ENC}\n  added: clear-value-here\n"
    root = repo({"apps/s.sops.yaml": secret(body=body, meta=sops_meta(regex="^(data|stringData)$"))})
    (f,) = fired(root, "SEC003")
    assert "stringData.added" in f.message and "clear-value-here" not in f.message
    assert f.loc.line == 8


def test_default_policy_and_unencrypted_suffix(repo):
    # without encrypted_regex sops encrypts everything except *_unencrypted keys
    doc = f"password: {ENC}\nnote_unencrypted: fine\nother: {ENC}\n" + sops_meta()
    assert not fired(repo({"talos/x.sops.yaml": doc}), "SEC003")
    doc = f"password: {ENC}\nleft: oops-in-clear\n" + sops_meta()
    assert fired(repo({"talos/x.sops.yaml": doc}), "SEC003")


def test_enc_values_without_metadata(repo):
    root = repo({"apps/s.yaml": secret(body=f"stringData:\n  password: {ENC}\n")})
    (f,) = fired(root, "SEC003")
    assert "no `sops` metadata" in f.message


def test_valid_file_is_quiet(repo):
    assert not fired(repo({"apps/s.sops.yaml": encrypted_secret()}), "SEC003")


# --- SEC004 sops-without-decryption -----------------------------------------------------------


def test_kustomization_without_decryption(repo):
    root = repo(
        {
            "clusters/home/apps.yaml": flux_ks("apps", "./apps", decryption=False),
            "apps/kustomization.yaml": "resources:\n  - s.sops.yaml\n",
            "apps/s.sops.yaml": encrypted_secret(),
        }
    )
    (f,) = fired(root, "SEC004")
    assert "Kustomization flux-system/apps" in f.message
    assert f.loc.path == "apps/s.sops.yaml"


def test_kustomization_with_decryption_or_patch_is_quiet(repo):
    root = repo(
        {
            "clusters/home/apps.yaml": flux_ks("apps", "./apps"),
            "apps/s.sops.yaml": encrypted_secret(),
        }
    )
    assert not fired(root, "SEC004")
    patched = repo(
        {
            "clusters/home/flux-system/gotk-sync.yaml": flux_ks("flux-system", "./clusters/home", decryption=False),
            "clusters/home/flux-system/kustomization.yaml": "resources:\n  - gotk-sync.yaml\npatches:\n"
            "  - patch: |\n      - op: add\n        path: /spec/decryption\n"
            "        value: {provider: sops, secretRef: {name: sops-age}}\n"
            "    target:\n      kind: Kustomization\n      name: flux-system\n",
            "clusters/home/vars/s.sops.yaml": encrypted_secret(),
        }
    )
    assert not fired(patched, "SEC004")


def test_unapplied_sops_file_is_quiet(repo):
    root = repo({"clusters/home/apps.yaml": flux_ks("apps", "./apps", False), "talos/s.sops.yaml": encrypted_secret()})
    assert not fired(root, "SEC004")


def test_no_rule_crashes_on_odd_types(repo):
    root = repo(
        {
            ".sops.yaml": "creation_rules:\n  - 42\n  - path_regex: [1]\n    age: {a: 1}\n",
            "a.yaml": "apiVersion: v1\nkind: Secret\nmetadata: {name: x}\ndata: [1, 2]\nstringData: 7\n",
            "b.yaml": "sops: {mac: 5, age: 7}\nx: ENC[AES256_GCM,data:a,iv:b,tag:c,type:str]\n",
            "kustomization.yaml": "secretGenerator: [1, {name: 2, literals: [3, x]}, {envs: {}}]\n",
        }
    )
    result = check(root, select=["SEC"])
    assert not result.errors, result.errors


def test_encrypted_env_file_of_a_secret_generator_needs_decryption(repo):
    files = {
        "clusters/home/apps.yaml": flux_ks("apps", "./apps", decryption=False),
        "apps/kustomization.yaml": "secretGenerator:\n  - name: creds\n    envs:\n      - creds.sops.env\n",
        "apps/creds.sops.env": "TOKEN=ENC[AES256_GCM,data:abc=,iv:x=,tag:y=,type:str]\n"
        "sops_mac=ENC[AES256_GCM,data:abc=,iv:x=,tag:y=,type:str]\nsops_version=3.9.0\n"
        "sops_age__list_0__map_recipient=age1abc\n",
    }
    (f,) = fired(repo(files), "SEC004")
    assert f.loc.path == "apps/creds.sops.env"
    files["clusters/home/apps.yaml"] = flux_ks("apps", "./apps")
    assert not fired(repo(files), "SEC004")


def test_sops_yml_name_is_ignored_by_sops(repo):
    root = repo({".sops.yml": SOPS_CONFIG, "apps/s.sops.yaml": encrypted_secret()})
    messages = [f.message for f in fired(root, "SEC002")]
    assert any("ignores `.sops.yml`" in m for m in messages)
    assert any("no .sops.yaml in the repository" in m for m in messages)


def test_hostile_sops_metadata_types(repo):
    docs = {
        "a.sops.yaml": f"x: {ENC}\nsops:\n  mac: {ENC}\n  age: 5\n  encrypted_suffix: 7\n  version: 1\n",
        "b.sops.yaml": f"x: {ENC}\nsops:\n  mac: [1]\n  key_groups: [1, {{age: x}}]\n  unencrypted_regex: [a]\n"
        "  lastmodified: 1\n",
        "c.sops.yaml": f"- {ENC}\n- sops: 1\n",
        "d.yaml": "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: x}\nspec:\n"
        "  values:\n    1: {2: [password, {password: [1]}]}\n    alertmanager: {stringConfig: 5}\n"
        "  valuesFrom: [{kind: Secret, name: 5}, 3]\n",
    }
    result = check(repo(docs), select=["SEC"])
    assert not result.errors, result.errors


def test_flux_instance_patch_gives_its_sync_decryption(repo):
    """flux-operator applies a FluxInstance's `kustomize.patches` to the objects it generates, the
    sync Kustomization among them: a patch that adds spec.decryption makes the sync path decrypt."""
    instance = (
        "apiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\nmetadata: {name: flux, namespace: flux-system}\n"
        "spec:\n  distribution: {version: 2.x}\n"
        "  sync: {kind: GitRepository, url: 'https://example.com/r.git', ref: main, path: clusters/home}\n"
    )
    patch = (
        "  kustomize:\n    patches:\n      - target: {kind: Kustomization}\n        patch: |\n"
        "          - op: add\n            path: /spec/decryption\n"
        "            value: {provider: sops, secretRef: {name: sops-age}}\n"
    )
    files = {
        "flux/instance.yaml": instance,
        "clusters/home/kustomization.yaml": "resources: [s.sops.yaml]\n",
        "clusters/home/s.sops.yaml": encrypted_secret(),
    }
    (f,) = fired(repo(files), "SEC004")
    assert f.loc.path == "clusters/home/s.sops.yaml"
    files["flux/instance.yaml"] = instance + patch
    assert not fired(repo(files), "SEC004")
