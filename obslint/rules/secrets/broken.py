"""SEC003 sops-file-broken: SOPS metadata that sops (or Flux) cannot use, and optionally a real
decrypt check with the available age key."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from pydantic import Field

from obslint.findings import Finding
from obslint.index import Index
from obslint.model.sops import GoRegexError, SopsFile, go_regex, is_enc, sops_block, sops_files
from obslint.rules import Basis, RuleContext, RuleOptions, Scope, rule
from obslint.rules.secrets.common import path_str
from obslint.rules.secrets.examples import ENC_VALUE, secret_manifest, sops_metadata


class BrokenOptions(RuleOptions):
    # The key itself is never an option: options come from the checked repository, which must not
    # be able to switch the check on or choose the key (see `obslint check --sops-age-key-file`).
    decrypt: bool = Field(default=True, description="decrypt each SOPS file when an age key was given to obslint")


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


class _Policy:
    """Which keys sops encrypts, from the metadata of an encrypted document."""

    def __init__(self, meta: dict):
        self.enc_suffix = _str(meta.get("encrypted_suffix"))
        self.unenc_suffix = _str(meta.get("unencrypted_suffix"))
        self.enc_re = self.unenc_re = None
        self.unknown = False
        for key, attr in (("encrypted_regex", "enc_re"), ("unencrypted_regex", "unenc_re")):
            pattern = meta.get(key)
            if isinstance(pattern, str) and pattern:
                try:
                    setattr(self, attr, go_regex(pattern))
                except GoRegexError:
                    self.unknown = True
        if meta.get("encrypted_comment_regex") or meta.get("unencrypted_comment_regex"):
            self.unknown = True  # depends on comments the loader does not keep
        if not any((self.enc_suffix, self.unenc_suffix, self.enc_re, self.unenc_re)):
            self.unenc_suffix = "_unencrypted"

    def decide(self, key: str, inherited: bool | None) -> bool | None:
        """True: subtree encrypted; False: in clear; None: not decided yet (look deeper)."""
        if inherited is not None:
            return inherited
        if self.unenc_suffix and key.endswith(self.unenc_suffix):
            return False
        if self.unenc_re is not None and self.unenc_re.search(key):
            return False
        if self.enc_suffix:
            return True if key.endswith(self.enc_suffix) else None
        if self.enc_re is not None:
            return True if self.enc_re.search(key) else None
        return None

    @property
    def default(self) -> bool:
        """Whether a leaf nothing decided is encrypted."""
        return not (self.enc_suffix or self.enc_re)


def clear_leaves(data: dict, policy: _Policy) -> list[tuple[tuple, Any, Any]]:
    """(path, container, key) of leaves sops would have encrypted but that are in clear."""
    out = []
    stack: list[tuple[Any, tuple, bool | None]] = [(data, (), None)]
    while stack:
        node, path, decided = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            if not path and key == "sops":
                continue
            here = policy.decide(str(key), decided) if isinstance(node, dict) else decided
            if isinstance(value, (dict, list)):
                stack.append((value, (*path, key), here))
                continue
            encrypted = policy.default if here is None else here
            if encrypted and value not in (None, "") and not is_enc(value):
                out.append(((*path, key), node, key))
    out.sort(key=lambda t: t[1].value_pos(t[2])[:2] if hasattr(t[1], "value_pos") else (0, 0))
    return out


def _has_enc(node: Any) -> bool:
    """Whether an ENC[...] value stands anywhere below node (outside a top-level `sops` block)."""
    stack = [{k: v for k, v in node.items() if k != "sops"} if isinstance(node, dict) else node]
    while stack:
        cur = stack.pop()
        for v in cur.values() if isinstance(cur, dict) else cur:
            if isinstance(v, (dict, list)):
                stack.append(v)
            elif is_enc(v):
                return True
    return False


def metadata_problems(sfile: SopsFile) -> list[str]:
    meta = sfile.meta
    problems = []
    mac = meta.get("mac")
    if not (isinstance(mac, str) and mac.startswith("ENC[")):
        problems.append("no MAC (`sops.mac`): sops refuses to decrypt it")
    if not sfile.has_recipients():
        problems.append("no recipients (age/pgp/kms/gcp_kms/azure_kv/hc_vault): nobody can decrypt its data key")
    return problems


def _key_file(ctx: RuleContext) -> str | None:
    """The age key file the person or CI running obslint chose (command line or environment)."""
    opts: BrokenOptions | None = ctx.options
    path = ctx.index.sops_age_key_file
    if not path or (opts is not None and not opts.decrypt):
        return None
    if not os.path.isfile(path):
        ctx.index.notice(f"sops-file-broken: age key file {path} not found; decrypt check skipped")
        return None
    return path


def _decrypt(ctx: RuleContext, files: list[SopsFile]) -> Iterator[Finding]:
    from obslint.tools import find_tool
    from obslint.tools.sops import DecryptJob, age_public_keys, decrypt_check

    key_file = _key_file(ctx)
    if key_file is None or not files:
        return
    if find_tool("sops") is None:
        ctx.index.notice("sops-file-broken: sops not found; decrypt check skipped")
        return
    ours = age_public_keys(key_file)
    if not ours:
        ctx.index.notice("sops-file-broken: no age identity found in the key file; decrypt check skipped")
        return
    by_rel: dict[str, SopsFile] = {}
    for f in files:
        if set(f.recipients) & ours and f.rel not in by_rel:
            by_rel[f.rel] = f
    index: Index = ctx.index
    jobs = [DecryptJob(rel, os.path.join(index.root, rel), f.format) for rel, f in by_rel.items()]
    skipped = []
    for rel, outcome in decrypt_check(jobs, key_file).items():
        if outcome.skipped:
            skipped.append(f"{rel} ({outcome.skipped})")
        if outcome.problem is None:
            continue
        f = by_rel[rel]
        loc = f.data.loc("sops") if f.data is not None and hasattr(f.data, "loc") else _file_loc(index, rel)
        yield Finding(
            loc,
            f"sops cannot decrypt this file with the given age key: {outcome.problem}",
            "re-encrypt it from the plaintext (sops --encrypt), or restore it from Git: it was edited after encryption",
        )
    if skipped:
        index.notice(f"sops-file-broken: decrypt check skipped for {len(skipped)} file(s): {', '.join(skipped[:5])}")


def _file_loc(index: Index, rel: str):
    from obslint.findings import Loc

    return Loc(rel, 1, 1)


@rule(
    "SEC003",
    "sops-file-broken",
    "error",
    "SOPS metadata is incomplete (no MAC, no recipients), values escaped encryption, or the file does not decrypt",
    basis=Basis.CERTAIN,
    scope=Scope.REPOSITORY,
    why="""
        A file with `ENC[...]` values is only as good as its `sops` metadata: without a MAC
        sops refuses to decrypt it, without recipients nobody holds the data key, and a value
        added in clear after encryption (under `encrypted_regex: ^(data|stringData)$`) is
        published while the file looks encrypted. Flux's kustomize-controller fails the whole
        Kustomization on such a file. When `sops` and an age key are available
        (given to obslint with `--sops-age-key-file` or `$OBSLINT_SOPS_AGE_KEY_FILE`: never taken from
        the checked repository, nor from `$SOPS_AGE_KEY_FILE` unasked), each file whose recipients
        include the key is decrypted once - from a copy listing only its age keys, offline - to
        prove it opens; the plaintext is dropped unread.
    """,
    failing=secret_manifest(
        "apps/monitoring/secret.sops.yaml",
        "alertmanager-slack",
        {"url": ENC_VALUE, "channel": "alerts-critical"},
        sops_metadata(),
    ),
    passing=secret_manifest(
        "apps/monitoring/secret.sops.yaml",
        "alertmanager-slack",
        {"url": ENC_VALUE, "channel": "ENC[AES256_GCM,data:Y2hhbm5lbA==,iv:8vQ0oR3m5b7S=,tag:Jr1m2v3Q4w==,type:str]"},
        sops_metadata(),
    ),
    fix="""
        Edit SOPS files only through `sops <file>` (or `sops set`), never by hand. For a value
        added in clear, run `sops --decrypt --in-place` then `sops --encrypt --in-place`
        (or re-create the file); rotate the value that was committed in clear.
    """,
    options=BrokenOptions,
)
def sops_file_broken(ctx: RuleContext) -> Iterator[Finding]:
    index = ctx.index
    files: list[SopsFile] = sops_files(index)
    for f in files:
        problems = metadata_problems(f)
        loc = f.data.loc("sops") if f.data is not None and hasattr(f.data, "loc") else _file_loc(index, f.rel)
        for problem in problems:
            yield Finding(loc, f"SOPS file has {problem}", "re-encrypt it with sops; never edit its metadata by hand")
        if f.format != "yaml" or not isinstance(f.data, dict):
            continue
        policy = _Policy(f.meta)
        if policy.unknown:
            continue
        clear = clear_leaves(f.data, policy)
        if clear and _has_enc(f.data):
            for _path, container, key in clear:
                index.redactor.add(container[key])
            names = ", ".join(path_str(p) for p, _, _ in clear[:5]) + (", ..." if len(clear) > 5 else "")
            _path, container, key = clear[0]
            yield Finding(
                container.loc(key),
                f"SOPS file mixes clear and encrypted values: {names} in clear though the file's "
                "encryption settings cover it (edited after encryption?)",
                "open the file with `sops` and save it, so every covered value is encrypted; rotate the clear value",
            )
    # ENC[...] values without any sops metadata: nothing can decrypt them.
    for sf in index.files:
        if sf.kind != "yaml" or "ENC[" not in sf.text:
            continue
        for doc in sf.documents:
            if isinstance(doc.data, dict) and sops_block(doc.data) is None and _has_enc(doc.data):
                yield Finding(
                    sf.loc(doc.line, doc.col),
                    "document holds SOPS-encrypted values (ENC[...]) but no `sops` metadata block",
                    "restore the `sops:` block from Git history, or re-create the file with sops --encrypt",
                )
    if index.config is not None:
        yield from _decrypt(ctx, files)
