"""Alertmanager's notification template engine: its functions, its own templates, and which
template files a configuration loads.

Alertmanager parses the `templates:` files when it loads a configuration (template/template.go
`FromGlobs`: its own default.tmpl and email.tmpl first, then each glob), and a receiver field's
text when it sends a notification (`ExecuteTextString`: `tmpl.New("").Option("missingkey=zero")
.Parse(text)`), both with `DefaultFuncs` registered. `missingkey=zero` makes a missing map key
print as the zero value: an absent label renders as the empty string, never as an error.
https://github.com/prometheus/alertmanager/blob/main/template/template.go
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass

from obslint.model.alertmanager.sources import AMSource

# template.go DefaultFuncs, over the releases: toUpper..stringSlice (0.x), safeUrl/urlUnescape,
# date/tz/since/humanizeDuration (0.27), toJson (0.28), and the later list/dict/time helpers. A name
# any release defines is accepted, so that no version's function is reported as undefined.
FUNCS = frozenset(
    {
        "toUpper", "toLower", "title", "trimSpace", "join", "match", "safeHtml", "safeUrl", "urlUnescape",
        "reReplaceAll", "stringSlice", "date", "tz", "since", "humanizeDuration", "toJson", "list", "append",
        "dict", "now", "toDate", "mustToDate", "base64encode", "base64decode", "routeLabels",
    }
)  # fmt: skip

# Alertmanager's own templates (template/default.tmpl, email.tmpl) are named `__<name>` (helpers:
# __subject, __text_alert_list, ...) or `<integration>.default.<field>` (slack.default.title,
# email.default.html, hipchat.default.from in old releases). Names of those shapes are taken as
# Alertmanager's own, in whatever release runs.
_BUILTIN = re.compile(r"(__[A-Za-z0-9_]+|[a-z0-9]+\.default\.[A-Za-z0-9_.]+)\Z")

# Where the prometheus-operator mounts the configuration Secret (with kube-prometheus-stack's
# `templateFiles` and the Secret's other keys): the chart's default `templates:` glob reads it.
CONFIG_DIR = "/etc/alertmanager/config"
MOUNTED = ("helm-values", "alertmanager-secret")


def builtin_template(name: str) -> bool:
    """Whether Alertmanager defines a template of this name itself."""
    return bool(_BUILTIN.match(name))


@dataclass(frozen=True)
class Loading:
    """The `templates:` globs of a config, and whether obslint reads every file they load."""

    globs: tuple[str, ...]
    complete: bool  # every loaded file is in the repository (or none is loaded)

    def loads(self, filename: str) -> bool:
        """Whether a file mounted in the configuration directory under this name is loaded."""
        return any(
            posixpath.dirname(g) == CONFIG_DIR and fnmatch.fnmatchcase(filename, posixpath.basename(g))
            for g in self.globs
        )


def loading(src: AMSource) -> Loading:
    """Which template files the config loads: known when it loads none, or only files of the
    configuration directory of a Secret obslint reads (chart values, the Alertmanager's Secret)."""
    if src.obj is not None and (src.obj.sops or src.obj.kind == "AlertmanagerConfig"):
        return Loading((), False)  # encrypted, or an alertmanagerConfiguration whose templates the operator adds
    raw = src.data.get("templates") if isinstance(src.data, Mapping) else None
    if raw is None:
        return Loading((), True)
    if not isinstance(raw, list) or not all(isinstance(g, str) for g in raw):
        return Loading((), False)
    globs = tuple(raw)
    complete = all(posixpath.dirname(g) == CONFIG_DIR for g in globs) and src.origin in MOUNTED
    return Loading(globs, complete)
