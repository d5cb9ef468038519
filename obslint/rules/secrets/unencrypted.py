"""SEC001 unencrypted-secret: Secret manifests and secretGenerators that hold values in clear."""

from __future__ import annotations

import json
import posixpath
from collections.abc import Iterator

from obslint.findings import Finding
from obslint.index import Index, memoised
from obslint.model.sops import (
    config_for,
    file_is_sops,
    generator_file,
    generator_sources,
    is_enc,
    kustomization_files,
    read_other,
    sops_block,
)
from obslint.model.unapplied import in_repository
from obslint.rules import Basis, RuleContext, Scope, rule
from obslint.rules.secrets.common import find_credentials, is_literal_value, is_manager_reference
from obslint.rules.secrets.examples import ENC_VALUE, RECIPIENT, secret_manifest, sops_metadata
from obslint.rules.secrets.protected import is_public_pem


def clear_values(obj_data: dict) -> list[tuple[dict, str]]:
    """(container, key) of every data/stringData value of a Secret written in clear."""
    out = []
    for section in ("stringData", "data"):
        values = obj_data.get(section)
        if not isinstance(values, dict):
            continue
        for key, value in values.items():
            if value is None or is_enc(value):
                continue
            if isinstance(value, str) and (
                not value.strip() or (not is_literal_value(value) and "${" in value) or is_manager_reference(value)
            ):
                continue  # empty, filled in by Flux post-build substitution, or resolved from a secret manager
            if isinstance(value, str) and is_public_pem(value, base64_encoded=section == "data"):
                continue  # a CA bundle or certificate: public
            out.append((values, key))
    return out


def uncovered_hint(index: Index, rel: str) -> str:
    cfg = config_for(index, rel)
    if cfg is None:
        return " (there is no .sops.yaml above this file: add creation rules first)"
    found = cfg.rule_for(rel)
    if found is None:
        return f" (no creation rule of {cfg.file.rel} matches this path: rename the file or add a rule)"
    return ""


SECRET_PATH = "apps/monitoring/secret.yaml"
FAILING = secret_manifest(SECRET_PATH, "grafana-admin", {"admin-password": "hunter2-but-longer"})
PASSING = secret_manifest(SECRET_PATH, "grafana-admin", {"admin-password": ENC_VALUE}, sops_metadata()) + (
    f"-- .sops.yaml --\ncreation_rules:\n  - path_regex: .*secret.*\\.ya?ml$\n"
    f"    encrypted_regex: ^(data|stringData)$\n    age: {RECIPIENT}\n"
)


@rule(
    "SEC001",
    "unencrypted-secret",
    "error",
    "A Secret manifest or kustomize secretGenerator holds values that are not SOPS-encrypted",
    basis=Basis.CERTAIN,
    scope=Scope.REPOSITORY,
    why="""
        A `kind: Secret` committed with clear `data`/`stringData` (base64 is an encoding, not
        encryption) publishes the credential to everyone who can read the repository and its
        history. The same holds for a kustomize `secretGenerator` fed by `literals` or by
        `envs`/`files` that are not SOPS-encrypted. Flux decrypts SOPS files at apply time, so
        nothing needs to be committed in clear; SealedSecrets and ExternalSecrets are fine too.
    """,
    failing=FAILING,
    passing=PASSING,
    fix="""
        Encrypt the file with SOPS (`sops --encrypt --in-place secret.yaml`, with a
        `.sops.yaml` creation rule using `encrypted_regex: ^(data|stringData)$`) and give the
        Flux Kustomization that applies it `spec.decryption.provider: sops`; or replace it with
        a SealedSecret / ExternalSecret. Rotate the credential: it is in the Git history.
    """,
)
def unencrypted_secret(ctx: RuleContext) -> Iterator[Finding]:
    index = ctx.index
    for obj in in_repository(index, "Secret"):
        if obj.group != "":
            continue
        if sops_block(obj.data) is not None and any(
            is_enc(v)
            for section in ("data", "stringData")
            if isinstance(obj.get(section), dict)
            for v in obj.get(section).values()
        ):
            continue  # a SOPS document with some encrypted values: sops-file-broken judges the rest
        clear = clear_values(obj.data)
        if not clear:
            continue
        for container, key in clear:
            index.redactor.add(container[key])
        container, key = clear[0]
        keys = ", ".join(str(k) for _, k in clear[:5]) + (", ..." if len(clear) > 5 else "")
        yield Finding(
            container.loc(key),
            f"{obj.ref()} holds {len(clear)} value(s) in clear ({keys}): not SOPS-encrypted",
            "encrypt it with sops (encrypted_regex `^(data|stringData)$`) or use a SealedSecret/ExternalSecret"
            + uncovered_hint(index, obj.file.rel),
        )
    yield from generator_findings(index)


def _config_without_credentials(index: Index, rel: str, text: str) -> bool:
    """A YAML/JSON config file that holds no literal credential (its secrets, if any, are
    `${VAR}` references expanded at run time): packing it into a Secret leaks nothing."""
    sf = index.file(rel)
    if sf is not None and sf.kind == "yaml":
        documents = [d.data for d in sf.documents]
    elif rel.lower().endswith(".json"):
        try:
            documents = [json.loads(text)]
        except (ValueError, RecursionError):  # RecursionError: nested deeper than the C decoder goes
            return False
    else:
        return False
    if not documents or not all(isinstance(d, dict) for d in documents):
        return False
    return not any(True for d in documents for _ in find_credentials(d))


@memoised
def generator_findings(index: Index) -> list[Finding]:
    """secretGenerator literals and unencrypted env/files (their values registered as found)."""
    return list(_generators(index))


def _generators(index: Index) -> Iterator[Finding]:
    for sf, data in kustomization_files(index):
        gens = data.get("secretGenerator")
        if not isinstance(gens, list):
            continue
        base = posixpath.dirname(sf.rel)
        for entry in gens:
            if not isinstance(entry, dict):
                continue
            name = entry.get("name", "?")
            for kind, container, key, value in generator_sources(entry):
                if kind == "literals":
                    _, sep, literal = value.partition("=")
                    if sep and is_literal_value(literal) and not is_enc(literal):
                        index.redactor.add(literal)
                        yield Finding(
                            container.loc(key),
                            f"secretGenerator {name!r} has a literal value in clear (key {value.partition('=')[0]!r})",
                            "move the value to a SOPS-encrypted env file (envs: [secret.sops.env]) or a SOPS "
                            "Secret manifest",
                        )
                    continue
                rel = posixpath.normpath(posixpath.join(base, generator_file(value)))
                encrypted = file_is_sops(index, rel)
                if encrypted is None or encrypted:
                    continue  # missing/unreadable (another rule's business) or encrypted
                text = read_other(index, rel) or ""
                if not text.strip() or (kind == "files" and _config_without_credentials(index, rel, text)):
                    continue
                index.redactor.add(text)
                for line in text.splitlines():
                    _, sep, v = line.partition("=")
                    if sep and kind == "envs":
                        index.redactor.add(v.strip())
                yield Finding(
                    container.loc(key),
                    f"secretGenerator {name!r} reads {rel} ({kind}), which is not SOPS-encrypted",
                    f"encrypt it in place: sops --encrypt --in-place {posixpath.basename(rel)}"
                    + uncovered_hint(index, rel),
                )
