"""What a cluster has before Flux runs: what the bootstrap files of the repository install.

- helmfile (`helmfile.yaml`, `helmfile.d/*.yaml`, also their `.gotmpl` forms): each release's chart
  is installed, with its CRDs (bootstrap helmfiles commonly run with `--include-crds`), and its
  namespace created (helmfile's `createNamespace` defaults to true:
  https://helmfile.readthedocs.io/en/latest/#configuration, `helmDefaults.createNamespace`);
- Talos machine configs (`talconfig.yaml` and patches): `cluster.extraManifests` URLs and
  `cluster.inlineManifests` are applied by Talos at bootstrap
  (https://www.talos.dev/latest/reference/configuration/v1alpha1/config/, ClusterConfig).

Only read, never run. Helmfile templates are read as text where they do not parse as YAML. What
bootstrap installs is taken to be there in every cluster of the repository: it only ever turns a
missing producer into a present one, never the other way.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from obslint.index import memoised
from obslint.model.charts import CHART_CRDS, REMOTE_CRD_PATTERNS

if TYPE_CHECKING:
    from obslint.index import Index

_HELMFILE = re.compile(r"(^|/)helmfile(\.d/[^/]+|\.ya?ml)(\.gotmpl)?$|(^|/)helmfile\.d/.*\.ya?ml(\.gotmpl)?$")
_RELEASE_LINE = re.compile(r"^\s*(?:-\s+)?(name|namespace|chart):\s*['\"]?([^'\"#\s]+)", re.M)
_TALOS_URL = re.compile(r"https?://\S+")


@dataclass
class Bootstrap:
    namespaces: set[str] = field(default_factory=set)
    kinds: set[tuple[str, str]] = field(default_factory=set)  # (group, kind)
    charts: set[str] = field(default_factory=set)
    sources: list[str] = field(default_factory=list)  # files read, for notices

    def describe(self) -> str:
        return ", ".join(self.sources[:3]) + (f" and {len(self.sources) - 3} more" if len(self.sources) > 3 else "")


def _chart_name(chart: str) -> str:
    return chart.rstrip("/").rsplit("/", 1)[-1]


def _releases(text: str, data: Any) -> list[dict[str, str]]:
    """(name, namespace, chart) of each helmfile release: from the parsed YAML when it parses, else
    from `name:`/`namespace:`/`chart:` lines in order (a new `name:` starts a release)."""
    out: list[dict[str, str]] = []
    items = data.get("releases") if isinstance(data, dict) else None
    if isinstance(items, list):
        for r in items:
            if isinstance(r, dict):
                out.append({k: str(r[k]) for k in ("name", "namespace", "chart") if isinstance(r.get(k), str)})
        return out
    if "releases:" not in text:
        return out
    for key, value in _RELEASE_LINE.findall(text.split("releases:", 1)[1]):
        if key == "name" or not out:
            out.append({})
        out[-1].setdefault(key, value)
    return out


@memoised
def bootstrap(index: Index) -> Bootstrap:
    out = Bootstrap()
    for rel in sorted(index.tree.paths):
        base = posixpath.basename(rel)
        if _HELMFILE.search(rel):
            sf = index.file(rel)
            text = sf.text if sf is not None else _text(index, rel)
            if not text:
                continue
            data = sf.documents[0].data if sf is not None and sf.documents else None
            found = _releases(text, data)
            for r in found:
                chart = _chart_name(r.get("chart") or r.get("name", ""))
                if "{{" in chart or not chart:
                    continue
                out.charts.add(chart)
                crds = CHART_CRDS.get(chart)
                if crds is not None:
                    out.kinds.update(crds.kinds)
                ns = r.get("namespace")
                if ns and "{{" not in ns:
                    out.namespaces.add(ns)
            if found:
                out.sources.append(rel)
        elif base.startswith("talconfig") or "talos" in rel.split("/")[0].lower():
            text = _text(index, rel)
            if not text or ("extraManifests" not in text and "inlineManifests" not in text):
                continue
            for url in _TALOS_URL.findall(text):
                for pattern, kinds in REMOTE_CRD_PATTERNS:
                    if pattern.search(url):
                        out.kinds.update(kinds)
            for m in re.finditer(r"kind:\s*Namespace\s*\n(?:.*\n){0,3}?\s*name:\s*([\w.-]+)", text):
                out.namespaces.add(m.group(1))
            out.sources.append(rel)
    return out


def _text(index: Index, rel: str) -> str | None:
    from obslint.model.sops import read_other

    return read_other(index, rel)
