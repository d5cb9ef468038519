"""SEC008 alertmanager-secret-not-mounted: an Alertmanager `*_file` under
/etc/alertmanager/secrets/<secret>/ for a Secret the operator does not mount.

prometheus-operator mounts each Secret of the Alertmanager's `spec.secrets` at
`/etc/alertmanager/secrets/<name>/` (prometheus-operator pkg/alertmanager/statefulset.go,
`secretsDir`; API docs, AlertmanagerSpec.secrets), and nothing else there unless a volumeMount of
`spec.volumeMounts` puts it there. kube-prometheus-stack passes `alertmanager.alertmanagerSpec`
through to that spec. A receiver reading a file of a Secret not listed finds no file: its
notifications fail whether or not the Secret exists.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from obslint.findings import Finding, Loc, Related
from obslint.model.helm import HelmReleaseView, helm_releases
from obslint.objects import walk_strings
from obslint.rules import Basis, RuleContext, rule
from obslint.rules.secrets.examples import ENC_VALUE, kps_release, secret_manifest, sops_metadata

AM_SECRETS_DIR = re.compile(r"^/etc/alertmanager/secrets/([^/]+)/([^/]+)$")


@dataclass(frozen=True)
class FileRead:
    secret: str
    key: str  # the config key (`token_file`)
    loc: Loc


def _file_reads(config: Any) -> Iterator[FileRead]:
    """The `*_file` values of an Alertmanager config that point into the Secrets directory."""
    for _path, container, key in walk_strings(config):
        value = container[key]
        if isinstance(key, str) and key.endswith("_file") and isinstance(value, str):
            m = AM_SECRETS_DIR.match(value.strip())
            if m:
                loc = container.loc(key) if hasattr(container, "loc") else Loc("?", 1, 1)
                yield FileRead(m.group(1), key, loc)


def _mounted(rel: HelmReleaseView) -> tuple[set[str], list[str]]:
    """The Secrets listed in alertmanagerSpec.secrets, and the volumeMount paths of the spec."""
    listed = rel.value("alertmanager", "alertmanagerSpec", "secrets")
    mounts = rel.value("alertmanager", "alertmanagerSpec", "volumeMounts")
    names = {n for n in listed if isinstance(n, str)} if isinstance(listed, list) else set()
    paths = [
        posixpath.normpath(m["mountPath"])
        for m in (mounts if isinstance(mounts, list) else ())
        if isinstance(m, dict) and isinstance(m.get("mountPath"), str)
    ]
    return names, paths


_VALUES = """\
alertmanager:
  alertmanagerSpec:
    secrets: [{listed}]
  config:
    route:
      receiver: pushover
    receivers:
      - name: pushover
        pushover_configs:
          - user_key_file: /etc/alertmanager/secrets/alertmanager-pushover/user-key
            token_file: /etc/alertmanager/secrets/alertmanager-pushover/token
"""
_SECRET = secret_manifest(
    "monitoring/alertmanager-pushover.sops.yaml",
    "alertmanager-pushover",
    {"user-key": ENC_VALUE, "token": ENC_VALUE},
    sops_metadata(),
)


@rule(
    "SEC008",
    "alertmanager-secret-not-mounted",
    "error",
    "An Alertmanager `*_file` reads /etc/alertmanager/secrets/<secret>/ of a Secret the operator does not mount",
    basis=Basis.CERTAIN,
    why="""
        prometheus-operator mounts the Secrets listed in the Alertmanager's `spec.secrets`
        (kube-prometheus-stack: `alertmanager.alertmanagerSpec.secrets`) at
        `/etc/alertmanager/secrets/<secret>/`, and nothing else. A receiver whose `token_file`,
        `password_file` or `api_key_file` points at a Secret that is not listed reads a file that
        does not exist, so every notification through it fails: the alerts it carries are lost.
        This holds whether or not the Secret itself exists.
    """,
    failing=kps_release(_VALUES.format(listed="")) + _SECRET,
    passing=kps_release(_VALUES.format(listed="alertmanager-pushover")) + _SECRET,
    fix="""
        Add the Secret's name to `alertmanager.alertmanagerSpec.secrets` (or fix the directory
        name in the path).
    """,
)
def alertmanager_secret_not_mounted(ctx: RuleContext) -> Iterator[Finding]:
    for rel in helm_releases(ctx.index):
        if rel.chart != "kube-prometheus-stack":
            continue
        config = rel.value("alertmanager", "config")
        if not isinstance(config, dict):
            continue
        listed, mount_paths = _mounted(rel)
        missing: dict[str, list[FileRead]] = {}
        for read in _file_reads(config):
            directory = f"/etc/alertmanager/secrets/{read.secret}"
            if read.secret in listed or any(directory == p or directory.startswith(p + "/") for p in mount_paths):
                continue
            missing.setdefault(read.secret, []).append(read)
        for secret, reads in missing.items():
            reads.sort(key=lambda r: r.loc)
            first = reads[0]
            yield Finding(
                first.loc,
                f"{rel.obj.ref()} alertmanager config {first.key} reads Secret {secret}, which is not mounted",
                f"add {secret!r} to alertmanager.alertmanagerSpec.secrets so the operator mounts it at "
                f"/etc/alertmanager/secrets/{secret}/",
                related=tuple(Related(r.loc, f"{r.key} reads it too") for r in reads[1:]),
                clusters=rel.obj.cluster_names,
            )
