"""`victorops_configs`: VictorOpsConfig, config/notifiers.go (v0.25.0 … v0.30.0)."""

from __future__ import annotations

from typing import Annotated

from obslint.model.alertmanager.schema.base import Fmt, at_most_one, required
from obslint.model.alertmanager.schema.integrations.common import HTTPNotifier


class VictorOpsConfig(HTTPNotifier):
    what = "victorops_config"
    api_key: str | None = None
    api_key_file: str | None = None
    api_url: Annotated[str | None, Fmt.URL] = None
    routing_key: str | None = None
    message_type: str | None = None
    state_message: str | None = None
    entity_display_name: str | None = None
    monitoring_tool: str | None = None
    custom_fields: dict[str, str] | None = None

    checks = (
        required("routing_key", message="missing Routing key in VictorOps config"),
        at_most_one("api_key", "api_key_file"),
        required(
            "api_key",
            "api_key_file",
            globals_=("victorops_api_key", "victorops_api_key_file"),
            message="no global VictorOps API Key set",
        ),
    )
