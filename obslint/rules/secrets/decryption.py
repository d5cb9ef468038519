"""SEC004 sops-without-decryption: a SOPS-encrypted manifest applied by a Flux Kustomization
that does not decrypt (no `spec.decryption.provider: sops`)."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from typing import Any

from obslint.findings import Finding, Loc, Related
from obslint.index import Index
from obslint.model.flux import FluxGraph, FluxKustomization, flux_graph
from obslint.model.sops import SopsFile, kustomization_files, sops_files
from obslint.objects import dig
from obslint.rules import Basis, RuleContext, rule


def decrypts(k_obj: Any) -> bool:
    provider = dig(k_obj.spec, "decryption", "provider")
    return isinstance(provider, str) and provider.strip().lower() == "sops"


def patched_decryption(index: Index) -> tuple[set[str], bool]:
    """Names of Flux Kustomizations that a kustomize patch gives `decryption` (the usual way to
    add it to the bootstrap `flux-system` Kustomization); True when a patch targets all of them."""
    names: set[str] = set()
    everything = False
    for sf, data in kustomization_files(index):
        base = posixpath.dirname(sf.rel)
        for field in ("patches", "patchesStrategicMerge", "patchesJson6902"):
            entries = data.get(field)
            for entry in entries if isinstance(entries, list) else []:
                text = ""
                target: Any = None
                if isinstance(entry, str):
                    text = entry if "\n" in entry else _text(index, posixpath.join(base, entry))
                elif isinstance(entry, dict):
                    target = entry.get("target")
                    patch = entry.get("patch")
                    if isinstance(patch, str):
                        text = patch
                    elif isinstance(entry.get("path"), str):
                        text = _text(index, posixpath.join(base, entry["path"]))
                if "decryption" not in text:
                    continue
                name = dig(target, "name") if isinstance(target, dict) else None
                if isinstance(name, str) and name and not re.search(r"[.*+?\[]", name):
                    names.add(name)
                else:
                    m = re.search(r"^\s*name:\s*['\"]?([\w.-]+)", text, re.M)
                    if m and target is None:
                        names.add(m.group(1))
                    else:
                        everything = True
    return names, everything


def _text(index: Index, rel: str) -> str:
    sf = index.file(posixpath.normpath(rel))
    return sf.text if sf is not None else ""


def _appliers_of(f: SopsFile, graph: FluxGraph, gen_inputs: dict[str, list[FluxKustomization]]) -> list:
    if f.format == "yaml":
        out = []
        for obj in graph.objects_in(f.rel):
            for k in graph.appliers(obj):
                if k not in out:
                    out.append(k)
        return out
    return gen_inputs.get(f.rel, [])


def _generator_inputs(graph: FluxGraph) -> dict[str, list[FluxKustomization]]:
    """Files that kustomize generators read, and the Kustomizations whose builds run them."""
    out: dict[str, list[FluxKustomization]] = {}
    for k, built in graph.builds.items():
        for d in built.dirs:
            kf = graph.kustomize_files.get(d)
            for gen in kf.generators if kf is not None else ():
                for e in [*(e for _key, e in gen.files), *gen.envs]:
                    if e.target and k not in out.setdefault(e.target, []):
                        out[e.target].append(k)
    return out


@rule(
    "SEC004",
    "sops-without-decryption",
    "error",
    "A SOPS-encrypted manifest is applied by a Flux Kustomization without `spec.decryption` (provider sops)",
    basis=Basis.CERTAIN,
    why="""
        Flux's kustomize-controller only decrypts SOPS files when the Kustomization that
        applies them says `spec.decryption.provider: sops` (with the key in
        `spec.decryption.secretRef`). Without it the controller applies the ciphertext: the
        Secret's values become the literal `ENC[AES256_GCM,...]` strings, or the apply fails
        on the `sops` metadata field, and everything that uses the Secret breaks.
    """,
    failing="""
        -- clusters/home/apps.yaml --
        apiVersion: kustomize.toolkit.fluxcd.io/v1
        kind: Kustomization
        metadata:
          name: apps
          namespace: flux-system
        spec:
          interval: 10m
          path: ./apps
          prune: true
          sourceRef:
            kind: GitRepository
            name: flux-system
        -- apps/secret.sops.yaml --
        apiVersion: v1
        kind: Secret
        metadata:
          name: grafana-admin
          namespace: monitoring
        stringData:
          password: ENC[AES256_GCM,data:3Ck2PfT0OQ==,iv:8vQ0oR3m5b7S=,tag:Jr1m2v3Q4w==,type:str]
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
    passing="""
        -- clusters/home/apps.yaml --
        apiVersion: kustomize.toolkit.fluxcd.io/v1
        kind: Kustomization
        metadata:
          name: apps
          namespace: flux-system
        spec:
          interval: 10m
          path: ./apps
          prune: true
          sourceRef:
            kind: GitRepository
            name: flux-system
          decryption:
            provider: sops
            secretRef:
              name: sops-age
        -- apps/secret.sops.yaml --
        apiVersion: v1
        kind: Secret
        metadata:
          name: grafana-admin
          namespace: monitoring
        stringData:
          password: ENC[AES256_GCM,data:3Ck2PfT0OQ==,iv:8vQ0oR3m5b7S=,tag:Jr1m2v3Q4w==,type:str]
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
        Add to the Kustomization:
        `decryption: {provider: sops, secretRef: {name: sops-age}}` (the Secret holding the age
        private key, created once with `kubectl create secret generic sops-age
        --namespace=flux-system --from-file=age.agekey=...`). For the bootstrap `flux-system`
        Kustomization, add it with a patch in `flux-system/kustomization.yaml`.
    """,
)
def sops_without_decryption(ctx: RuleContext) -> Iterator[Finding]:
    index = ctx.index
    files: list[SopsFile] = sops_files(index)
    if not files:
        return

    graph = flux_graph(index)
    gen_inputs = _generator_inputs(graph) if any(f.format != "yaml" for f in files) else {}
    patched, patched_all = patched_decryption(index)
    reported: set[tuple[str, int]] = set()
    for f in files:
        for k in _appliers_of(f, graph, gen_inputs):
            if k.decrypts or patched_all or k.name in patched:
                continue
            key = (f.rel, f.line)
            if key in reported:
                continue
            reported.add(key)
            loc = f.data.loc("sops") if f.data is not None and hasattr(f.data, "loc") else Loc(f.rel, 1, 1)
            yield Finding(
                loc,
                f"SOPS-encrypted file applied by {k.ref}, which has no spec.decryption with provider sops: "
                "Flux would apply the ciphertext",
                f"add `decryption: {{provider: sops, secretRef: {{name: sops-age}}}}` to {k.ref} "
                f"({k.written.file.rel})",
                related=(Related(k.obj.loc("spec"), f"{k.ref} applies it without decryption"),),
                clusters=k.obj.cluster_names,
                data={"kustomization": k.ref},
            )
