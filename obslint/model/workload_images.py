"""The workloads that mount a ConfigMap or Secret, and which release of an application they run.

A configuration written as a ConfigMap says nothing of the program version that reads it; the
Deployment, StatefulSet or DaemonSet that mounts it does, in its container image tag
(`grafana/loki:2.9.4`). A tag that is absent, `latest`, a digest or a variable says nothing.
"""

from __future__ import annotations

import re
from typing import Any

from obslint.index import Index
from obslint.objects import K8sObject, dig

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet")
_MAJOR = re.compile(r"^v?(\d+)\.\d+")


def _mounts(volume: Any, kind: str, name: str) -> bool:
    if not isinstance(volume, dict):
        return False
    key, field = ("configMap", "name") if kind == "ConfigMap" else ("secret", "secretName")
    if dig(volume, key, field) == name:
        return True
    sources = dig(volume, "projected", "sources")
    return isinstance(sources, list) and any(
        dig(s, "configMap" if kind == "ConfigMap" else "secret", "name") == name for s in sources
    )


def mounting_workloads(index: Index, obj: K8sObject) -> list[K8sObject]:
    """The workloads of `obj`'s namespace and cluster that mount the ConfigMap or Secret `obj` as a volume."""
    out = []
    for workload in index.of_kind(*WORKLOAD_KINDS):
        if workload.namespace != obj.namespace or workload.cluster != obj.cluster:
            continue
        volumes = workload.get("spec", "template", "spec", "volumes")
        if isinstance(volumes, list) and any(_mounts(v, obj.kind, obj.name) for v in volumes):
            out.append(workload)
    return out


def _tag_if_runs(container: Any, repository: str) -> str | None:
    """The tag of the container's image when the image is `repository` with any registry in front ("" when
    it has none); None when the container runs another image."""
    image = dig(container, "image")
    if not isinstance(image, str):
        return None
    name = image.split("@", 1)[0]
    head, _, tag = name.rpartition(":")
    if head and "/" not in tag:  # `registry:5000/grafana/loki` has a port, not a tag
        name = head
    else:
        tag = ""
    return tag if name == repository or name.endswith("/" + repository) else None


def command_flags(workload: K8sObject, repository: str) -> set[str]:
    """The names of the `-flag`/`--flag` arguments the `repository` containers of the workload run with."""
    out: set[str] = set()
    containers = workload.get("spec", "template", "spec", "containers")
    for container in containers if isinstance(containers, list) else ():
        if _tag_if_runs(container, repository) is None:
            continue
        for key in ("command", "args"):
            words = dig(container, key)
            for word in words if isinstance(words, list) else ():
                if isinstance(word, str) and word.startswith("-"):
                    out.add(word.lstrip("-").split("=", 1)[0])
    return out


def image_major(workload: K8sObject, repository: str) -> tuple[bool, int | None]:
    """(whether a container of the workload runs the `repository` image, with any registry in front, such
    as `grafana/loki`; the major version its tag names, None when the tag does not say)."""
    containers = workload.get("spec", "template", "spec", "containers")
    for container in containers if isinstance(containers, list) else ():
        tag = _tag_if_runs(container, repository)
        if tag is not None:
            m = _MAJOR.match(tag)
            return True, int(m.group(1)) if m else None
    return False, None
