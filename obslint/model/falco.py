"""Where Falco and falcosidekick send events: falcosidekick outputs and Falco's http_output.

falcosidekick enables an output when its address is set (falcosecurity/falcosidekick
config.go: `hostport`, `address`, `webhookurl`, ... non-empty); the chart passes `config.*` to
it as environment variables (falcosecurity/charts charts/falcosidekick/templates/secrets.yaml).
The falco chart carries falcosidekick as a subchart (`falcosidekick.enabled`, values under
`falcosidekick`) and sends Falco's events to it through `falco.http_output`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from obslint.findings import Loc
from obslint.index import Index
from obslint.model.helm import HelmReleaseView, releases_of_chart, values_bool
from obslint.objects import Cluster, dig, walk_strings

# Output options that hold where falcosidekick sends (falcosidekick docs/outputs/*.md).
OUTPUT_URL_KEYS = {"hostport", "address", "webhookurl", "url", "endpoint", "apiurl"}


@dataclass(frozen=True)
class FalcoTarget:
    description: str  # "falcosidekick output loki of HelmRelease security/falcosidekick"
    url: str
    loc: Loc
    namespace: str | None
    cluster: Cluster | None


def _loc(container: Any, key: Any, fallback: Loc) -> Loc:
    return container.loc(key) if hasattr(container, "loc") else fallback


def _outputs(hr: HelmReleaseView, values: Any) -> Iterator[FalcoTarget]:
    config = dig(values, "config")
    if not isinstance(config, dict):
        return
    for output, section in config.items():
        if not isinstance(section, dict):
            continue
        for _path, container, key in walk_strings(section):
            value = container[key]
            if key in OUTPUT_URL_KEYS and isinstance(value, str) and value.strip():
                yield FalcoTarget(
                    f"falcosidekick output {output} of {hr.obj.ref()}",
                    value,
                    _loc(container, key, hr.loc("config")),
                    hr.namespace,
                    hr.obj.cluster,
                )


def falco_targets(index: Index) -> Iterator[FalcoTarget]:
    """Every in-values address falcosidekick or Falco sends events to."""
    for hr in releases_of_chart(index, "falcosidekick"):
        yield from _outputs(hr, hr.values)
    for hr in releases_of_chart(index, "falco"):
        sub = hr.value("falcosidekick")
        if isinstance(sub, dict) and values_bool(sub.get("enabled"), False):
            yield from _outputs(hr, sub)
        http = hr.value("falco", "http_output")
        url = http.get("url") if isinstance(http, dict) else None
        if isinstance(url, str) and url.strip() and values_bool(http.get("enabled"), False):
            yield FalcoTarget(f"Falco http_output of {hr.obj.ref()}", url, _loc(http, "url", hr.loc()), hr.namespace,
                              hr.obj.cluster)  # fmt: skip
