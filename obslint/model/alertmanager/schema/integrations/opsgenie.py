"""`opsgenie_configs`: OpsGenieConfig, OpsGenieConfigResponder, config/notifiers.go (v0.25.0 … v0.30.0)."""

from __future__ import annotations

from typing import Annotated

from obslint.model.alertmanager.schema.base import Fmt, Section, at_most_one, required
from obslint.model.alertmanager.schema.integrations.common import HTTPNotifier


class OpsGenieResponder(Section):
    what = "opsgenie responder"
    id: str | None = None
    name: str | None = None
    username: str | None = None
    type: str | None = None

    checks = (
        required(
            "id",
            "username",
            "name",
            message="opsGenieConfig responder has to have at least one of id, username or name specified",
        ),
    )


class OpsGenieConfig(HTTPNotifier):
    what = "opsgenie_config"
    api_key: str | None = None
    api_key_file: str | None = None
    api_url: Annotated[str | None, Fmt.URL] = None
    message: str | None = None
    description: str | None = None
    source: str | None = None
    details: dict[str, str] | None = None
    entity: str | None = None
    responders: list[OpsGenieResponder] | None = None
    actions: str | None = None
    tags: str | None = None
    note: str | None = None
    priority: str | None = None
    update_alerts: bool | None = None

    checks = (
        at_most_one("api_key", "api_key_file"),
        required(
            "api_key",
            "api_key_file",
            globals_=("opsgenie_api_key", "opsgenie_api_key_file"),
            message="no global OpsGenie API Key set either inline or in a file",
        ),
    )
