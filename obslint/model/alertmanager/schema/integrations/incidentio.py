"""`incidentio_configs` (from 0.29): notify/incidentio/config.go; the rules as prometheus-operator
pkg/alertmanager/amcfg.go `incidentioConfig.sanitize` restates them."""

from __future__ import annotations

from typing import Annotated

from obslint.model.alertmanager.schema.base import Fmt, Violation, at_most_one, is_set, required
from obslint.model.alertmanager.schema.integrations.common import HTTPNotifier


def _credential(section, glob) -> Violation | None:
    http = section.get("http_config")
    auth = hasattr(http, "get") and http.get("authorization") is not None
    token = is_set(section.get("alert_source_token")) or is_set(section.get("alert_source_token_file"))
    if auth and token:
        return Violation(
            "cannot specify alert_source_token or alert_source_token_file when using http_config.authorization",
            "alert_source_token" if "alert_source_token" in section else "alert_source_token_file",
        )
    if not auth and not token:
        return Violation(
            "at least one of alert_source_token, alert_source_token_file or http_config.authorization"
            " must be configured",
            missing=True,
        )
    return None


class IncidentioConfig(HTTPNotifier):
    what = "incidentio_config"
    since = (0, 29)
    url: Annotated[str | None, Fmt.URL] = None
    url_file: str | None = None
    alert_source_token: str | None = None
    alert_source_token_file: str | None = None
    max_alerts: int | None = None
    timeout: Annotated[str | None, Fmt.GO_DURATION] = None

    checks = (
        required("url", "url_file", message="one of url or url_file must be configured"),
        at_most_one("url", "url_file"),
        at_most_one("alert_source_token", "alert_source_token_file"),
        _credential,
    )
