"""`webhook_configs`: WebhookConfig, config/notifiers.go (v0.25.0 … v0.30.0); `url_file` from 0.26
(CHANGELOG 0.26.0, #3223), `timeout` from 0.28 (CHANGELOG 0.28.0, #4137)."""

from __future__ import annotations

from typing import Annotated

from obslint.model.alertmanager.schema.base import Fmt, Since, at_most_one, required
from obslint.model.alertmanager.schema.integrations.common import HTTPNotifier


class WebhookConfig(HTTPNotifier):
    what = "webhook_config"
    url: Annotated[str | None, Fmt.URL] = None
    url_file: Annotated[str | None, Since((0, 26))] = None
    max_alerts: int | None = None
    timeout: Annotated[str | None, Since((0, 28)), Fmt.GO_DURATION] = None

    checks = (
        required("url", "url_file", message="one of url or url_file must be configured"),
        at_most_one("url", "url_file"),
    )
