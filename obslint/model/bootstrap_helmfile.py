"""Helmfiles read as bootstrap files: which files are helmfiles, and what their releases and hooks
install before Flux runs.

A helmfile is `helmfile.yaml`, `helmfile.d/*.yaml` (also their `.gotmpl` forms), or any YAML file
whose top-level keys are all helmfile sections with a `releases:` list of mappings: `helmfile -f`
takes a file of any name (sections: https://helmfile.readthedocs.io/en/latest/configuration/).
Each release's chart is installed with its CRDs (bootstrap helmfiles commonly run with
`--include-crds`) and its namespace created (`createNamespace` defaults to true); the commands of
release and global hooks (`command` + `args`, or `kubectlApply`: helmfile docs/hooks.md) run
with relative paths taken from the helmfile's directory (helmfile docs/paths.md), with
`{{ .Release.Name }}` and `{{ .Release.Namespace }}` filled in. A helmfile that does not parse
as YAML (a template) is read as `name:`/`namespace:`/`chart:` lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from obslint.findings import Loc
from obslint.index import memoised
from obslint.model.bootstrap_steps import argv_steps
from obslint.model.charts import CHART_CRDS

if TYPE_CHECKING:
    from obslint.index import Index
    from obslint.model.bootstrap import Bootstrap
    from obslint.model.bootstrap_scripts import Reader

HELMFILE_NAME = re.compile(r"(^|/)helmfile(\.d/[^/]+|\.ya?ml)(\.gotmpl)?$|(^|/)helmfile\.d/.*\.ya?ml(\.gotmpl)?$")
HELMFILE_KEYS = frozenset(
    {
        "repositories",
        "releases",
        "helmDefaults",
        "environments",
        "helmfiles",
        "bases",
        "values",
        "commonLabels",
        "templates",
        "defaultInherit",
        "hooks",
        "apiVersions",
        "kubeVersion",
        "helmBinary",
        "kustomizeBinary",
        "lockFilePath",
        "context",
        "missingFileHandler",
        "missingFileHandlerConfig",
    }
)
_RELEASE_LINE = re.compile(r"^\s*(?:-\s+)?(name|namespace|chart):\s*['\"]?([^'\"#\s]+)", re.M)
_TOP_KEY = re.compile(r"^([A-Za-z_]\w*):", re.M)
_UNINSTALL = frozenset({"preuninstall", "postuninstall"})
_RELEASE_VAR = re.compile(r"\{\{-?\s*\.Release\.(Name|Namespace)\s*-?\}\}")


def chart_name(chart: str) -> str:
    """The chart's name in a reference (`repo/name`, `oci://registry/path/name`, `./charts/name`)."""
    return chart.rstrip("/").rsplit("/", 1)[-1]


def is_helmfile(rel: str, docs: list[Any] | None, text: str) -> bool:
    """A helmfile by name, or by content: every document a mapping of helmfile sections, one of
    them `releases:` listing mappings (a YAML file any name; a template read as text)."""
    if HELMFILE_NAME.search(rel):
        return True
    if docs:
        maps = [d for d in docs if d is not None]
        return (
            bool(maps)
            and all(isinstance(d, dict) and set(d) <= HELMFILE_KEYS for d in maps)
            and any(
                isinstance(d.get("releases"), list) and any(isinstance(r, dict) for r in d["releases"]) for d in maps
            )
        )
    # a template that does not parse as YAML: its top-level keys as text
    if rel.endswith((".yaml", ".yml", ".gotmpl")) and "\nreleases:" in "\n" + text:
        return set(_TOP_KEY.findall(text)) <= HELMFILE_KEYS
    return False


def _releases(text: str, docs: list[Any]) -> list[dict[str, Any]]:
    """The releases of a helmfile (name, namespace, chart, hooks): from the parsed YAML when it
    parses, else from `name:`/`namespace:`/`chart:` lines in order (a new `name:` starts a release)."""
    out: list[dict[str, Any]] = []
    parsed = False
    for data in docs:
        items = data.get("releases") if isinstance(data, dict) else None
        if isinstance(items, list):
            parsed = True
            out.extend(r for r in items if isinstance(r, dict))
    if parsed or "releases:" not in text:
        return out
    for key, value in _RELEASE_LINE.findall(text.split("releases:", 1)[1]):
        if key == "name" or not out:
            out.append({})
        out[-1].setdefault(key, value)
    return out


def _hooks(reader: Reader, rel: str, hooks: Any, release: dict[str, Any]) -> None:
    """The commands of helmfile hooks (`command` + `args`, or `kubectlApply`), with the release's
    `{{ .Release.Name }}`/`{{ .Release.Namespace }}` filled in."""
    subst = {k.title(): v for k, v in release.items() if k in ("name", "namespace") and isinstance(v, str)}

    def fill(word: Any) -> str:
        return _RELEASE_VAR.sub(lambda m: subst.get(m.group(1), m.group(0)), str(word))

    for hook in hooks if isinstance(hooks, list) else ():
        events = hook.get("events") if isinstance(hook, dict) else None
        if not isinstance(hook, dict) or (isinstance(events, list) and set(events) <= _UNINSTALL):
            continue  # a hook that runs only when a release is uninstalled
        line = hook.loc().line if hasattr(hook, "loc") else 1
        apply = hook.get("kubectlApply")
        argv: list[str] = []
        if isinstance(apply, dict):
            for flag, key in (("-f", "filename"), ("-k", "kustomize")):
                if isinstance(apply.get(key), str):
                    argv = ["kubectl", "apply", flag, fill(apply[key])]
        elif isinstance(hook.get("command"), str):
            args = hook.get("args")
            argv = (
                [fill(hook["command"]), *(fill(a) for a in args if isinstance(a, (str, int)))]
                if isinstance(args, list)
                else [fill(hook["command"])]
            )
        reader.steps(rel, argv_steps(argv, line))


def _release_chart(r: dict[str, Any]) -> str:
    """The chart's name of a release (its `chart:`, else its name); "" when templated."""
    named = r.get("chart") if isinstance(r.get("chart"), str) else r.get("name")
    chart = chart_name(named) if isinstance(named, str) else ""
    return "" if "{{" in chart else chart


@dataclass(frozen=True)
class Helmfile:
    rel: str
    docs: list[Any]  # the parsed documents ([] for a template read as text)
    releases: list[dict[str, Any]]


@memoised
def helmfiles(index: Index) -> list[Helmfile]:
    """Every helmfile of the repository, by name or by content. Needs no Flux model, so deciding
    which roots are clusters may ask it (`bootstrap` itself needs the clusters)."""
    from obslint.model.sops import read_other

    out: list[Helmfile] = []
    for rel in sorted(index.tree.paths):
        sf = index.file(rel)
        if sf is not None and sf.kind == "yaml":
            text, docs = sf.text, [d.data for d in sf.documents]
        elif HELMFILE_NAME.search(rel) or rel.endswith(".gotmpl"):
            text, docs = read_other(index, rel) or "", []
        else:
            continue
        if text and is_helmfile(rel, docs, text):
            out.append(Helmfile(rel, docs, _releases(text, docs)))
    return out


def helmfile_charts(index: Index) -> frozenset[str]:
    """The charts the helmfiles of the repository install."""
    return frozenset(c for h in helmfiles(index) for c in map(_release_chart, h.releases) if c)


def read_helmfile(out: Bootstrap, reader: Reader, helmfile: Helmfile) -> None:
    """What a helmfile installs: each release's chart (CRDs) and namespace, and its hooks' steps."""
    rel, docs, found = helmfile.rel, helmfile.docs, helmfile.releases
    for r in found:
        chart = _release_chart(r)
        loc = r.loc() if hasattr(r, "loc") else Loc(rel, 1, 1)
        if chart:
            out.charts.add(chart)
            crds = CHART_CRDS.get(chart)
            for gk in crds.kinds if crds is not None else ():
                out.add(("Kind", *gk), loc, rel)
        ns = r.get("namespace")
        if isinstance(ns, str) and ns and "{{" not in ns:
            out.add(("Namespace", ns), loc, rel)
        _hooks(reader, rel, r.get("hooks"), r)
    for data in docs:
        if isinstance(data, dict):
            _hooks(reader, rel, data.get("hooks"), {})
    if found:
        out.source(rel)
