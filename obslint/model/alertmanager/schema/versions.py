"""Which Alertmanager release loads a configuration.

In order: an image tag set in the chart values (`alertmanager.alertmanagerSpec.image.tag`) or on an
Alertmanager object (`spec.image` tag, `spec.version`); the release the pinned kube-prometheus-stack
version deploys (its default `alertmanager.alertmanagerSpec.image.tag`); else the rule option
`alertmanager-version`; else unknown (the configuration is checked against every release 0.25+).

KPS_ALERTMANAGER is the default image tag of every kube-prometheus-stack release, read from each release's
values.yaml (../shared/oracles/charts/history/kube-prometheus-stack.tar.xz, versions 40.0.0 … 88.5.3): the
first chart version that ships each Alertmanager.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from obslint.index import Index
from obslint.model.alertmanager.schema.base import AMVersion
from obslint.model.chart_pin import chart_pin
from obslint.model.semver import parse

KPS_ALERTMANAGER: tuple[tuple[str, AMVersion], ...] = (
    ("40.0.0", (0, 24)),
    ("43.2.0", (0, 25)),
    ("48.4.0", (0, 26)),
    ("56.18.0", (0, 27)),
    ("68.2.0", (0, 28)),
    ("79.2.0", (0, 29)),
    ("80.4.2", (0, 30)),
    ("81.5.0", (0, 31)),
    ("83.3.0", (0, 32)),
    ("86.2.3", (0, 33)),
    ("88.4.0", (0, 34)),
)


@dataclass(frozen=True)
class Release:
    version: AMVersion
    why: str  # "kube-prometheus-stack 80.6.0 deploys Alertmanager 0.30"

    def describe(self) -> str:
        return self.why


def from_tag(tag: Any) -> AMVersion | None:
    """(0, 30) for `v0.30.1`, `0.30.0`, `v0.30.0@sha256:...`; None for anything else."""
    if not isinstance(tag, str):
        return None
    parsed = parse(tag.split("@", 1)[0])
    return (parsed.major, parsed.minor) if parsed is not None else None


def kps_alertmanager(chart_version: str) -> AMVersion | None:
    wanted = parse(chart_version)
    if wanted is None:
        return None
    found = None
    for first, am in KPS_ALERTMANAGER:
        start = parse(first)
        if start is not None and wanted >= start:
            found = am
    return found


def _image_tag(image: Any) -> str | None:
    if not isinstance(image, str) or ":" not in image.rsplit("/", 1)[-1]:
        return None
    return image.split("@", 1)[0].rsplit(":", 1)[1]


def release_of(index: Index, src: Any, option: str | None = None) -> Release | None:
    """The Alertmanager release that loads an AMSource's configuration, or None when nothing says."""
    rel = src.release
    if rel is not None:
        tag = rel.value("alertmanager", "alertmanagerSpec", "image", "tag")
        version = from_tag(tag)
        if version is not None:
            return Release(version, f"the values set the Alertmanager image tag {tag}")
        pin = chart_pin(index, rel)
        if pin is not None and pin.keys.chart == "kube-prometheus-stack":
            version = kps_alertmanager(pin.version)
            if version is not None:
                return Release(version, f"kube-prometheus-stack {pin.version} deploys Alertmanager {_v(version)}")
    obj = src.obj
    if obj is not None and obj.kind == "Alertmanager":
        for tag in (_image_tag(obj.spec.get("image")), obj.spec.get("version")):
            version = from_tag(tag)
            if version is not None:
                return Release(version, f"{obj.ref()} runs Alertmanager {tag}")
    version = from_tag(option)
    if version is not None:
        return Release(version, f"option alertmanager-version: {option}")
    return None


def _v(version: AMVersion) -> str:
    return f"{version[0]}.{version[1]}"


__all__ = ["KPS_ALERTMANAGER", "Release", "from_tag", "kps_alertmanager", "release_of"]
