"""SEC005 plaintext-credential: a credential written in clear where a secret reference exists.

Places searched, each with one general walker (`find_credentials`):
- HelmRelease `spec.values` (any chart: grafana.adminPassword, Loki S3 keys, the
  Alertmanager config under `alertmanager.config`, Promtail clients, ...);
- plain YAML config files (alertmanager.yml, promtail/loki/prometheus configs);
- ConfigMaps and non-encrypted Secrets holding such a config under a `*.yaml` key;
- AlertmanagerConfig objects and Flux notification Providers (`spec.address` with a token);
- Alloy configs (`alloy.configs` provider): literal `password`, `bearer_token`, ... attributes;
- Grafana datasource provisioning files (in ConfigMaps, chart values, plain files) and
  GrafanaDatasource objects: `secureJsonData`/`jsonData` literals. Grafana expands `$VAR`,
  `${VAR}` and `$__file{path}` in provisioning files, so every such value has a reference form
  (https://grafana.com/docs/grafana/latest/administration/provisioning/#using-environment-variables);
- Vector configurations (YAML documents of sources and sinks, and TOML ones: obslint.model.vector_toml);
- PEM private keys and JWTs (tokens.py) under any key of those places, and in any ConfigMap value.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from obslint.alloy.configs import alloy_configs
from obslint.findings import Finding, Loc
from obslint.index import Index, memoised
from obslint.load import YMap
from obslint.model.flux import flux_graph
from obslint.model.flux.kinds import HELMRELEASE_GROUP
from obslint.model.helm import (
    helm_releases,
)
from obslint.model.sops import is_enc, sops_block
from obslint.model.unapplied import in_repository
from obslint.model.vector import is_vector_doc
from obslint.model.vector_toml import vector_toml
from obslint.objects import K8sObject
from obslint.rules import Basis, RuleContext, Scope, rule
from obslint.rules.secrets.chart_credentials import chart_credentials, chart_hint
from obslint.rules.secrets.common import (
    find_credentials,
    is_clear_credential,
    is_credential_key,
    norm_key,
    path_str,
    url_secret,
    worth_registering,
)
from obslint.rules.secrets.tokens import token_in

CONFIG_TOP_KEYS = {
    "route",
    "receivers",
    "clients",
    "scrape_configs",
    "storage_config",
    "schema_config",
    "remote_write",
    "ruler",
    "common",
    "global",
}
POD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod")
AM_URL_KEYS = {"api_url", "webhook_url", "url", "slack_api_url", "webex_api_url"}


def _hint(path: tuple, key: Any, kind: str, context: str) -> str:
    names = [str(p).lower() for p in path if isinstance(p, str)]
    k = str(key)
    if kind == "env":
        return "use valueFrom.secretKeyRef (a SOPS-encrypted Secret) instead of a literal value"
    if context == "provider":
        return "put the address in a Secret (key `address`) and reference it with spec.secretRef"
    if "receivers" in names or context == "alertmanager" or ("global" in names and "config" in names):
        return (
            f"use `{k}_file` with a Secret mounted through alertmanagerSpec.secrets "
            "(/etc/alertmanager/secrets/<secret>/<key>), or a secretKeyRef in an AlertmanagerConfig"
        )
    if kind in ("private key", "JWT") and context == "configmap":
        return "a ConfigMap is not for secrets: move it to a SOPS-encrypted Secret and mount that instead"
    if context == "datasource":
        return (
            "reference it in secureJsonData: `$__file{/path}` of a mounted Secret or `${ENV_VAR}` set from a "
            "secretKeyRef (Grafana expands both in provisioning files)"
        )
    if context == "config":
        return f"use `{k}_file` (a mounted Secret) or an environment variable expanded with -config.expand-env"
    if context == "vector":
        # https://vector.dev/docs/reference/configuration/#environment-variables and secret backends
        return "read it at run time: `${VAR}` from a secretKeyRef env, or a secret backend `SECRET[backend.key]`"
    if context == "alertmanagerconfig":
        return "use the SecretKeySelector form (name/key of a Secret) instead of a literal"
    return (
        "move it to a Secret: the chart's existingSecret/secretKeyRef setting, or `valuesFrom` a "
        "SOPS-encrypted Secret (targetPath) on the HelmRelease"
    )


def _finding(index: Index, loc: Loc, what: str, path: tuple, key: Any, kind: str, value: str, secret: str, hint: str):
    for v in (value, secret):
        if worth_registering(v):
            index.redactor.add(v)
    label = {"url": "URL with an embedded token", "private key": "private key", "JWT": "JWT"}.get(kind, "credential")
    return Finding(
        loc,
        f"plaintext {label} at {what} `{path_str(path)}`",
        hint,
    )


def _walk(index: Index, node: Any, what: str, context: str, base: tuple = ()) -> Iterator[Finding]:
    for path, container, key, value, secret, kind in find_credentials(node, base):
        loc = container.loc(key) if hasattr(container, "loc") else Loc("?", 1, 1)
        yield _finding(index, loc, what, path, key, kind, value, secret, _hint(path, key, kind, context))


def _is_config(data: Any) -> bool:
    if not isinstance(data, dict):
        return False
    return (
        ("apiVersion" not in data and bool(CONFIG_TOP_KEYS & set(data)))
        or is_datasource_provisioning(data)
        or is_vector_doc(data)
    )


def is_datasource_provisioning(data: Any) -> bool:
    """A Grafana datasource provisioning file (`apiVersion: 1`, `datasources: [...]`), whose
    `secureJsonData` and `jsonData` hold passwords, tokens and TLS keys."""
    return isinstance(data, dict) and isinstance(data.get("datasources"), list) and "kind" not in data


def _context(data: dict) -> str:
    if is_datasource_provisioning(data):
        return "datasource"
    if is_vector_doc(data):
        return "vector"
    return "alertmanager" if "receivers" in data or "route" in data else "config"


def _embedded_configs(index: Index, obj: K8sObject, toml_read: set[Loc]) -> Iterator[Finding]:
    """Credentials in the configs a ConfigMap or Secret holds; `toml_read`: the positions of the keys read as
    Vector TOML configurations, walked by _vector_toml."""
    for section in ("data", "stringData"):
        values = obj.get(section)
        if not isinstance(values, dict):
            continue
        for key, value in values.items():
            if not isinstance(value, str) or is_enc(value):
                continue
            what = f"{obj.ref()} {section}[{key}]"
            walked = str(key).endswith((".yaml", ".yml"))
            if walked and section == "data" and obj.kind == "Secret":
                decoded = index.secret_yaml(values, key) if isinstance(values, YMap) else None
                data = decoded.data if decoded is not None and not decoded.problems else None
                if not _is_config(data):
                    continue
                for path, _c, ckey, cvalue, secret, kind in find_credentials(data):
                    hint = _hint(path, ckey, kind, _context(data))
                    yield _finding(index, values.loc(key), what, path, ckey, kind, cvalue, secret, hint)
                continue
            emb = index.embedded_yaml(values, key) if walked else None
            if emb is not None and _is_config(emb.data):
                yield from _walk(index, emb.data, what, _context(emb.data))
            elif obj.kind == "ConfigMap" and values.loc(key) not in toml_read:
                # any other ConfigMap value (a dashboard, a script, a PEM file): a private key or a
                # JWT is told by its format alone (a Vector TOML configuration is walked key by key)
                token = token_in(value)
                if token is not None:
                    kind, secret = token
                    if worth_registering(secret):
                        index.redactor.add(secret)
                    hint = _hint((key,), key, kind, "configmap")
                    yield Finding(values.loc(key), f"plaintext {kind} in {obj.ref()} {section} key {key}", hint)


def _vector_toml(index: Index) -> Iterator[Finding]:
    """Vector configurations in TOML: a file read for several clusters is one text, reported once."""
    seen: set[Loc] = set()
    for doc in vector_toml(index).documents:
        if doc.anchor in seen:
            continue
        seen.add(doc.anchor)
        what = "config" if doc.origin == "file" else doc.description
        yield from _walk(index, doc.data, what, "vector")


def _alloy(index: Index) -> Iterator[Finding]:
    try:
        from obslint.alloy import Field, Literal, iter_attributes, walk_exprs

        configs = alloy_configs(index)
    except (ImportError, KeyError):
        return
    hint = 'read it at run time: sys.env("VAR") from a secretKeyRef env, or remote.kubernetes.secret'
    for cfg in configs:
        for blocks, attr in iter_attributes(cfg.ast.body):
            pairs: list[tuple[str, Any]] = [(attr.name, attr.value)]
            for expr in walk_exprs(attr.value):
                fields = getattr(expr, "fields", None)
                if fields:
                    pairs.extend((f.name, f.value) for f in fields if isinstance(f, Field))
            for name, expr in pairs:
                if not isinstance(expr, Literal) or expr.kind != "string" or not isinstance(expr.value, str):
                    continue
                value = expr.value
                secret = url_secret(value)
                kind = "url"
                if secret is None:
                    credential = is_credential_key(name) or norm_key(name) == "authorization"
                    if not credential or not is_clear_credential(value):
                        continue
                    secret, kind = value, "key"
                path = (*[b.id for b in blocks], name)
                what = f"Alloy config {cfg.describe()}"
                yield _finding(index, cfg.loc(expr), what, path, name, kind, value, secret, hint)


@rule(
    "SEC005",
    "plaintext-credential",
    "error",
    "A credential is written in clear in chart values, an Alertmanager/Loki/Promtail/Alloy config or a Flux Provider",
    basis=Basis.CERTAIN,
    scope=Scope.REPOSITORY,
    why="""
        Monitoring configs are full of credentials: Grafana's admin password, Loki's S3 keys,
        Alertmanager receivers (Slack/Discord/Teams webhook URLs are bearer tokens, Pushover
        and PagerDuty keys, SMTP passwords), Promtail/Alloy basic_auth, Vector sink tokens.
        Written in HelmRelease values or a config file they are committed in clear, even when
        the Secret manifests next to them are SOPS-encrypted. Every one of these places has a
        reference form. Values that are `${VAR}` post-build substitutions, `ENC[...]`, file
        paths, Helm template expressions, empty, `<placeholders>` or the key's own name
        (`password: password`) are not reported, nor are password hashes (bcrypt, argon2,
        sha-crypt, htpasswd `$apr1$`), sealed-secrets ciphertext, `op://`/`ref+...://`
        secret-manager references, Vector's `SECRET[backend.key]`, values under keys that name
        a Secret (`existingSecret...`, `...SecretName`, `...KeyRef`) and sections with
        `enabled: false`.
    """,
    failing="""
        -- monitoring/kube-prometheus-stack.yaml --
        apiVersion: helm.toolkit.fluxcd.io/v2
        kind: HelmRelease
        metadata:
          name: kube-prometheus-stack
          namespace: monitoring
        spec:
          interval: 30m
          chart:
            spec:
              chart: kube-prometheus-stack
              version: 80.6.0
              sourceRef:
                kind: HelmRepository
                name: prometheus-community
          values:
            grafana:
              adminPassword: correct-horse-battery
    """,
    passing="""
        -- monitoring/kube-prometheus-stack.yaml --
        apiVersion: helm.toolkit.fluxcd.io/v2
        kind: HelmRelease
        metadata:
          name: kube-prometheus-stack
          namespace: monitoring
        spec:
          interval: 30m
          chart:
            spec:
              chart: kube-prometheus-stack
              version: 80.6.0
              sourceRef:
                kind: HelmRepository
                name: prometheus-community
          values:
            grafana:
              admin:
                existingSecret: grafana-admin
                userKey: admin-user
                passwordKey: admin-password
    """,
    fix="""
        Keep the value in a SOPS-encrypted Secret and reference it: the chart's
        `existingSecret`/`secretKeyRef` settings or `valuesFrom` (HelmRelease), `*_file` fields
        with `alertmanagerSpec.secrets` (Alertmanager), `password_file` / env expansion
        (Promtail, Loki), `sys.env` / `remote.kubernetes.secret` (Alloy), `spec.secretRef`
        (Flux Provider). Then rotate the credential: it is in the Git history.
    """,
)
def plaintext_credential(ctx: RuleContext) -> Iterator[Finding]:
    yield from plaintext_findings(ctx.index)


@memoised
def plaintext_findings(index: Index) -> list[Finding]:
    """Every plaintext credential (each value registered with the redactor as it is found)."""
    return list(_scan(index))


def _scan(index: Index) -> Iterator[Finding]:
    for obj in flux_graph(index).unapplied:
        values = obj.spec.get("values") if obj.kind == "HelmRelease" and obj.group == HELMRELEASE_GROUP else None
        if isinstance(values, dict) and values:
            yield from _walk(index, values, f"{obj.ref()} values", "helm")
    for hr in helm_releases(index):
        if isinstance(hr.values, dict) and hr.values:
            found = list(_walk(index, hr.values, f"{hr.obj.ref()} values", "helm"))
            yield from found
            seen = {f.loc for f in found}
            for path, container, key, value, secret, kind in chart_credentials(hr):
                loc = container.loc(key) if hasattr(container, "loc") else hr.loc()
                if loc not in seen:
                    hint = chart_hint(hr.chart) or _hint(path, key, kind, "helm")
                    yield _finding(index, loc, f"{hr.obj.ref()} values", path, key, kind, value, secret, hint)
            # kube-prometheus-stack `alertmanager.stringConfig`: the config as YAML text
            am = hr.values.get("alertmanager")
            if isinstance(am, YMap) and isinstance(am.get("stringConfig"), str):
                emb = index.embedded_yaml(am, "stringConfig")
                if emb is not None and isinstance(emb.data, dict):
                    what = f"{hr.obj.ref()} values alertmanager.stringConfig"
                    yield from _walk(index, emb.data, what, "alertmanager")
    for sf in index.files:
        if sf.kind != "yaml":
            continue
        for doc in sf.documents:
            if _is_config(doc.data) and sops_block(doc.data) is None:
                yield from _walk(index, doc.data, "config", _context(doc.data))
    toml_read = {doc.anchor for doc in vector_toml(index).documents if doc.origin == "configmap"}
    for obj in in_repository(index, "ConfigMap", "Secret"):
        if obj.group == "" and sops_block(obj.data) is None:
            yield from _embedded_configs(index, obj, toml_read)
    for obj in in_repository(index, *POD_KINDS):
        if obj.group in ("", "apps", "batch"):
            yield from _walk(index, obj.spec, obj.ref(), "pod", ("spec",))
    for obj in in_repository(index, "AlertmanagerConfig"):
        yield from _walk(index, obj.spec, obj.ref(), "alertmanagerconfig", ("spec",))
    for obj in in_repository(index, "GrafanaDatasource"):
        if obj.group == "grafana.integreatly.org":
            yield from _walk(index, obj.spec, obj.ref(), "datasource", ("spec",))
    for obj in in_repository(index, "Provider"):
        if obj.group == "notification.toolkit.fluxcd.io":
            yield from _walk(index, obj.spec, obj.ref(), "provider", ("spec",))
    yield from _vector_toml(index)
    yield from _alloy(index)
