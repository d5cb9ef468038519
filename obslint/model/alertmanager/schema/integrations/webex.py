"""`webex_configs`: WebexConfig, config/notifiers.go (v0.25.0 … v0.30.0)."""

from __future__ import annotations

from typing import Annotated

from obslint.model.alertmanager.schema.base import Fmt, Violation, required
from obslint.model.alertmanager.schema.integrations.common import HTTPNotifier


def _authorization(section, glob) -> Violation | None:
    http = section.get("http_config")
    if hasattr(http, "get") and http.get("authorization") is not None:
        return None
    return Violation("missing webex_configs.http_config.authorization", missing=True)


class WebexConfig(HTTPNotifier):
    what = "webex_config"
    api_url: Annotated[str | None, Fmt.URL] = None
    message: str | None = None
    room_id: str | None = None

    checks = (required("room_id", message="missing room_id on webex_config"), _authorization)
