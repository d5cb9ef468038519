"""Credentials that only the chart's documentation makes credentials: values whose key name says
nothing (`account_id`, `webhookurl` on a self-hosted chat server), found by their place in the
values of a known chart. The general walker (common.find_credentials) finds the rest.

- robusta: `globalConfig.signing_key` and `globalConfig.account_id` ("Keep secret!",
  https://docs.robusta.dev/master/setup-robusta/additional-settings.html#global-config) and the
  playbook-signing key pair's private half `rsa.private` / `rsa.prv`
  (helm/robusta/templates/auth-config.yaml writes it into a Secret).
- falcosidekick (and the falco chart's `falcosidekick` subchart): an incoming-webhook URL
  `config.<output>.webhookurl` carries the token that lets anyone post to the channel, on any
  host (Mattermost and Rocket.Chat `/hooks/<token>`, Webex `/v1/webhooks/incoming/<token>`);
  `customheaders` holding an `Authorization` header (falcosecurity/falcosidekick docs/outputs).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from obslint.model.helm import HelmReleaseView
from obslint.objects import dig
from obslint.rules.secrets.common import is_clear_credential, is_literal_value, is_placeholder

# (container path, key) of robusta values that hold a secret
ROBUSTA_SECRETS = (
    (("globalConfig",), "signing_key"),
    (("globalConfig",), "account_id"),
    (("rsa",), "private"),  # base64 of the PEM key
    (("rsa",), "prv"),  # the PEM key itself, which the chart base64-encodes
)
_AUTH_HEADER = re.compile(r"(?i)\b(?:authorization|x-api-key|api-key|token)\s*:\s*\S+")


def chart_credentials(hr: HelmReleaseView) -> Iterator[tuple[tuple, Any, Any, str, str, str]]:
    """(path, container, key, value, secret, kind) like find_credentials, for the known charts."""
    if hr.chart == "robusta":
        yield from _robusta(hr.values)
    elif hr.chart == "falcosidekick":
        yield from _falcosidekick(hr.values, ())
    elif hr.chart == "falco":
        sub = dig(hr.values, "falcosidekick")
        if isinstance(sub, dict):
            yield from _falcosidekick(sub, ("falcosidekick",))


def chart_hint(chart: str) -> str | None:
    """How the chart takes the credential from a Secret instead."""
    if chart == "robusta":
        return (
            "write `{{ env.NAME }}` and set NAME from a Secret in runner.additional_env_vars "
            "(valueFrom.secretKeyRef); for rsa, rsa.existingSecret"
        )
    if chart in ("falcosidekick", "falco"):
        return (
            "put it in the Secret that config.existingSecret names, under the output's variable "
            "(e.g. MATTERMOST_WEBHOOKURL), and leave the value empty"
        )
    return None


def _robusta(values: Any) -> Iterator[tuple[tuple, Any, Any, str, str, str]]:
    for path, key in ROBUSTA_SECRETS:
        container = dig(values, *path)
        value = container.get(key) if isinstance(container, dict) else None
        if is_clear_credential(value):
            yield (*path, key), container, key, value, value, "key"


def _falcosidekick(values: Any, base: tuple) -> Iterator[tuple[tuple, Any, Any, str, str, str]]:
    config = dig(values, "config")
    if not isinstance(config, dict):
        return
    for output, section in config.items():
        if not isinstance(section, dict):
            continue
        url = section.get("webhookurl")
        if isinstance(url, str) and is_literal_value(url) and _has_path(url):
            yield (*base, "config", output, "webhookurl"), section, "webhookurl", url, url, "url"
        headers = section.get("customheaders")
        if isinstance(headers, str) and is_literal_value(headers):
            m = _AUTH_HEADER.search(headers)
            if m:
                yield (*base, "config", output, "customheaders"), section, "customheaders", headers, m.group(0), "key"


def _has_path(url: str) -> bool:
    """An incoming-webhook URL names its token in the path; a bare host holds none."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    path = parts.path.strip("/")
    return bool(parts.hostname) and len(path) >= 8 and not is_placeholder(path.rsplit("/", 1)[-1])
