"""`discord_configs`: DiscordConfig, config/notifiers.go (v0.25.0 … v0.30.0); `webhook_url_file` from 0.27
(CHANGELOG 0.27.0, #3555), `content`, `username`, `avatar_url` from 0.28 (CHANGELOG 0.28.0, #4007)."""

from __future__ import annotations

from typing import Annotated

from obslint.model.alertmanager.schema.base import Fmt, Since, at_most_one, required
from obslint.model.alertmanager.schema.integrations.common import HTTPNotifier

_028 = Since((0, 28))


class DiscordConfig(HTTPNotifier):
    what = "discord_config"
    webhook_url: Annotated[str | None, Fmt.URL] = None
    webhook_url_file: Annotated[str | None, Since((0, 27))] = None
    title: str | None = None
    message: str | None = None
    content: Annotated[str | None, _028] = None
    username: Annotated[str | None, _028] = None
    avatar_url: Annotated[str | None, _028] = None

    checks = (
        required(
            "webhook_url", "webhook_url_file", message="one of webhook_url or webhook_url_file must be configured"
        ),
        at_most_one("webhook_url", "webhook_url_file"),
    )
