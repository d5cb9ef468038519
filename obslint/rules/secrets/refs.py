"""SEC006 secret-ref-missing: a reference to a Secret that nothing in the repository creates."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from obslint.findings import Finding, Loc
from obslint.index import Index
from obslint.model.catalogue import catalogue
from obslint.model.helm import helm_releases
from obslint.model.sops import is_enc, sops_files
from obslint.objects import K8sObject
from obslint.rules import Basis, RuleContext, RuleOptions, rule
from obslint.rules.secrets.common import norm_key

POD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod", "ReplicaSet"}


class RefOptions(RuleOptions):
    allow: list[str] = Field(
        # the age / PGP key Secrets of Flux's SOPS guide, created by hand before bootstrap
        default_factory=lambda: ["flux-system/sops-age", "flux-system/sops-gpg"],
        description="Secrets created out of band, as `namespace/name` or `name` (any namespace)",
    )


@dataclass
class SecretRef:
    name: str
    namespace: str | None
    loc: Loc
    what: str  # how it is referenced, for the message
    scope: K8sObject  # the referring object (its cluster is where the Secret must be)
    hint: str = ""


def _encrypted_kinds(index: Index) -> bool:
    """Whether some SOPS file hides its own kind and name (fully encrypted), so that the absence
    of a Secret proves nothing."""
    return any(
        f.format == "yaml" and isinstance(f.data, dict) and is_enc(f.data.get("kind")) for f in sops_files(index)
    )


def _walk_selectors(node: Any, base_what: str) -> Iterator[tuple[Any, str, bool]]:
    """(container holding `name`, description, optional) of secretKeyRef / envFrom.secretRef /
    volume secret / SecretKeySelector references below node."""
    stack: list[tuple[Any, str]] = [(node, "")]
    while stack:
        cur, parent = stack.pop()
        if isinstance(cur, dict):
            for key, value in cur.items():
                nk = norm_key(key) if isinstance(key, str) else ""
                if isinstance(value, dict):
                    if nk in ("secretkeyref", "secretref") and isinstance(value.get("name"), str):
                        yield value, f"{base_what} {key}", value.get("optional") is True
                        continue
                    if nk == "secret" and isinstance(value.get("secretName"), str):
                        yield value, f"{base_what} volume secret", value.get("optional") is True
                        continue
                    stack.append((value, nk))
                elif isinstance(value, list):
                    stack.append((value, nk))
        elif isinstance(cur, list):
            stack.extend((v, parent) for v in cur if isinstance(v, (dict, list)))


def _selector_name(container: dict) -> tuple[str, Loc] | None:
    key = "name" if isinstance(container.get("name"), str) else "secretName"
    name = container.get(key)
    if not isinstance(name, str) or not name or "${" in name or "{{" in name:
        return None
    return name, container.loc(key)


def _monitoring_selectors(node: Any) -> Iterator[dict]:
    """prometheus-operator SecretKeySelectors: `{name, key}` mappings not under a configMap key."""
    stack: list[tuple[Any, str]] = [(node, "")]
    while stack:
        cur, parent = stack.pop()
        if isinstance(cur, dict):
            keys = set(cur)
            if {"name", "key"} <= keys <= {"name", "key", "optional"} and parent not in (
                "configmap",
                "configmapkeyref",
            ):
                if cur.get("optional") is not True:
                    yield cur
                continue
            for key, value in cur.items():
                if isinstance(value, (dict, list)):
                    stack.append((value, norm_key(key) if isinstance(key, str) else ""))
        elif isinstance(cur, list):
            stack.extend((v, parent) for v in cur if isinstance(v, (dict, list)))


def collect_refs(index: Index) -> list[SecretRef]:
    refs: list[SecretRef] = []

    def add(scope: K8sObject, container: Any, key: str, ns: str | None, what: str, hint: str = "") -> None:
        name = container.get(key) if isinstance(container, dict) else None
        if isinstance(name, str) and name and "${" not in name and "{{" not in name:
            loc = container.loc(key) if hasattr(container, "loc") else Loc("?", 1, 1)
            refs.append(SecretRef(name, ns, loc, what, scope, hint))

    # (the Secrets Flux objects name themselves - decryption, substituteFrom, valuesFrom - are
    # FLUX001's: one missing Secret, one finding)
    for rel in helm_releases(index):
        chart_ns = rel.namespace
        values = rel.values
        if not isinstance(values, dict):
            continue
        stack: list[Any] = [values]
        while stack:
            cur = stack.pop()
            items = cur.items() if isinstance(cur, dict) else enumerate(cur)
            for key, value in items:
                if isinstance(value, (dict, list)):
                    stack.append(value)
                elif isinstance(key, str) and norm_key(key) in ("existingsecret", "existingsecretname"):
                    add(rel.obj, cur, key, chart_ns, f"{rel.obj.ref()} values {key}")
        for container, what, optional in _walk_selectors(values, f"{rel.obj.ref()} values"):
            found = _selector_name(container)
            if found and not optional:
                refs.append(SecretRef(found[0], chart_ns, found[1], what, rel.obj))
        refs.extend(_alertmanager_refs(rel, chart_ns))
    # Pod templates and monitoring objects
    for obj in index.objects:
        if obj.group in ("", "apps", "batch") and obj.kind in POD_KINDS:
            ns = obj.namespace
            for container, what, optional in _walk_selectors(obj.spec, obj.ref()):
                found = _selector_name(container)
                if found and not optional:
                    refs.append(SecretRef(found[0], ns, found[1], what, obj))
        elif obj.group == "monitoring.coreos.com" and obj.kind != "PrometheusRule":
            # (a PrometheusRule references no Secret, and its rule labels may well be {name, key})
            ns = obj.namespace
            mounted = obj.spec.get("secrets")
            if obj.kind in ("Alertmanager", "Prometheus") and isinstance(mounted, list):
                for i, name in enumerate(mounted):
                    if isinstance(name, str) and name and "${" not in name:
                        refs.append(SecretRef(name, ns, mounted.loc(i), f"{obj.ref()} spec.secrets", obj))
            for sel in _monitoring_selectors(obj.spec):
                found = _selector_name(sel)
                if found:
                    refs.append(SecretRef(found[0], ns, found[1], f"{obj.ref()} secret key selector", obj))
    return refs


def _alertmanager_refs(rel: Any, ns: str | None) -> list[SecretRef]:
    """kube-prometheus-stack: the Secrets alertmanagerSpec.secrets and prometheusSpec.secrets
    mount (a `*_file` reading one not listed is SEC008's)."""
    refs: list[SecretRef] = []
    if rel.chart != "kube-prometheus-stack":
        return refs
    spec_secrets = rel.value("alertmanager", "alertmanagerSpec", "secrets")
    if isinstance(spec_secrets, list):
        for i, name in enumerate(spec_secrets):
            if isinstance(name, str) and name:
                what = f"{rel.obj.ref()} values alertmanager.alertmanagerSpec.secrets"
                refs.append(SecretRef(name, ns, spec_secrets.loc(i), what, rel.obj))
    prom_secrets = rel.value("prometheus", "prometheusSpec", "secrets")
    if isinstance(prom_secrets, list):
        for i, name in enumerate(prom_secrets):
            if isinstance(name, str) and name:
                what = f"{rel.obj.ref()} values prometheus.prometheusSpec.secrets"
                refs.append(SecretRef(name, ns, prom_secrets.loc(i), what, rel.obj))
    return refs


def _allowed(allow: list[str], name: str, ns: str | None) -> bool:
    for entry in allow:
        a_ns, sep, a_name = entry.rpartition("/")
        if not sep and a_name == name:
            return True
        if sep and a_name == name and (a_ns in ("*", ns) or ns is None):
            return True
    return False


@rule(
    "SEC006",
    "secret-ref-missing",
    "info",
    "A secretKeyRef, existingSecret or Secret mount names a Secret nothing in the repository creates",
    basis=Basis.ASSUMPTION,
    why="""
        A reference to a Secret that is never created fails at deploy time: a Pod with a missing
        `secretKeyRef` stays in CreateContainerConfigError, and a chart's `existingSecret` leaves
        its Pods waiting for the volume.

        It is info, not a warning: on real repositories most Secrets that nothing in the
        repository creates exist all the same, created by hand from a password manager, by an
        operator obslint does not know, or copied by a controller (on the reviewed public
        repositories, one finding in four was a Secret that was really missing). Read it as a
        list to check against the cluster, and put the ones made out of band in `allow`.

        Secrets come from many places, so this is a warning that rests on what the repository
        shows: manifests, secretGenerators, SealedSecrets, ExternalSecrets, cert-manager
        Certificates, CloudNativePG Clusters, Talos ServiceAccounts and other operator resources
        are producers, and so are the copies kubernetes-reflector and kubernetes-replicator make
        of a Secret annotated for it; a custom resource in the same namespace that has the
        Secret's name, mentions it or is named by some of its words (`<name>-oidc-credentials`),
        or a Helm release whose name prefixes it, makes the Secret unknown (an operator or a
        chart may create it); and it is only reported in a cluster where the
        repository does create Secrets. Secrets the repository's bootstrap scripts, task
        runners or helmfile hooks create (`kubectl create secret generic NAME -n NS`, `sops -d
        FILE | kubectl apply -f -`) are producers too. Secrets created out of band by hand (the
        `sops-age` key in flux-system) go in the `allow` option. The Secrets that Flux objects
        name themselves (`decryption`, `substituteFrom`, `valuesFrom`) are FLUX001's.
    """,
    failing="""
        -- monitoring/alertmanager-pushover.sops.yaml --
        apiVersion: v1
        kind: Secret
        metadata:
          name: alertmanager-pushover
          namespace: monitoring
        stringData:
          token: ENC[AES256_GCM,data:3Ck2PfT0OQ==,iv:8vQ0oR3m5b7S=,tag:Jr1m2v3Q4w==,type:str]
        sops:
          age:
            - recipient: age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p
              enc: |
                -----BEGIN AGE ENCRYPTED FILE-----
                YWdlLWVuY3J5cHRpb24ub3JnL3YxCg==
                -----END AGE ENCRYPTED FILE-----
          lastmodified: "2024-01-01T00:00:00Z"
          mac: ENC[AES256_GCM,data:bWFjbWFjbWFj,iv:8vQ0oR3m5b7S=,tag:Jr1m2v3Q4w==,type:str]
          encrypted_regex: ^(data|stringData)$
          version: 3.9.0
        -- monitoring/grafana.yaml --
        apiVersion: helm.toolkit.fluxcd.io/v2
        kind: HelmRelease
        metadata:
          name: grafana
          namespace: monitoring
        spec:
          interval: 30m
          chart:
            spec:
              chart: grafana
              version: 10.1.4
              sourceRef:
                kind: HelmRepository
                name: grafana
          values:
            admin:
              existingSecret: grafana-admin
    """,
    passing="""
        -- monitoring/grafana.yaml --
        apiVersion: helm.toolkit.fluxcd.io/v2
        kind: HelmRelease
        metadata:
          name: grafana
          namespace: monitoring
        spec:
          interval: 30m
          chart:
            spec:
              chart: grafana
              version: 10.1.4
              sourceRef:
                kind: HelmRepository
                name: grafana
          values:
            admin:
              existingSecret: grafana-admin
        -- monitoring/grafana-admin.sops.yaml --
        apiVersion: v1
        kind: Secret
        metadata:
          name: grafana-admin
          namespace: monitoring
        stringData:
          admin-password: ENC[AES256_GCM,data:3Ck2PfT0OQ==,iv:8vQ0oR3m5b7S=,tag:Jr1m2v3Q4w==,type:str]
        sops:
          age:
            - recipient: age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p
              enc: |
                -----BEGIN AGE ENCRYPTED FILE-----
                YWdlLWVuY3J5cHRpb24ub3JnL3YxCg==
                -----END AGE ENCRYPTED FILE-----
          lastmodified: "2024-01-01T00:00:00Z"
          mac: ENC[AES256_GCM,data:bWFjbWFjbWFj,iv:8vQ0oR3m5b7S=,tag:Jr1m2v3Q4w==,type:str]
          encrypted_regex: ^(data|stringData)$
          version: 3.9.0
    """,
    fix="""
        Commit the Secret (SOPS-encrypted), a secretGenerator, a SealedSecret or an
        ExternalSecret that creates it in the right namespace; fix the name if it is a typo; or,
        for a Secret created out of band, add `namespace/name` to the rule's `allow` option.
    """,
    options=RefOptions,
)
def secret_ref_missing(ctx: RuleContext) -> Iterator[Finding]:
    index = ctx.index
    opts: RefOptions = ctx.options
    refs = collect_refs(index)
    if not refs:
        return
    if _encrypted_kinds(index):
        index.notice("secret-ref-missing: some SOPS files encrypt their kind and name; Secret references not checked")
        return
    cat = catalogue(index)
    seen: set[tuple] = set()
    for ref in refs:
        key = (ref.name, ref.namespace, ref.what, ref.scope.cluster)
        if key in seen:
            continue
        seen.add(key)
        if _allowed(opts.allow, ref.name, ref.namespace):
            continue
        found = cat.config("Secret", ref.namespace, ref.name, ref.scope)
        if not found.absent:
            continue
        where = f" in namespace {ref.namespace}" if ref.namespace else ""
        elsewhere = cat.config("Secret", None, ref.name, ref.scope).producers
        spaces = sorted({p.obj.namespace for p in elsewhere if p.obj.namespace})
        yield Finding(
            ref.loc,
            f"{ref.what} names Secret {ref.name}, which nothing in the repository creates{where}",
            (f"a Secret {ref.name} exists in namespace {', '.join(spaces)}\n" if spaces else "")
            + (
                ref.hint
                or "commit it (SOPS-encrypted Secret, secretGenerator, SealedSecret or ExternalSecret), fix the name, "
                "or add it to the rule's `allow` option if it is created out of band"
            ),
            clusters=ref.scope.cluster_names,
        )
