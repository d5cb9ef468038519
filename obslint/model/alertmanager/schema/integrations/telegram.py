"""`telegram_configs`: TelegramConfig, config/notifiers.go (v0.25.0 … v0.30.0); `bot_token_file` from 0.26
(CHANGELOG 0.26.0, #3226), `message_thread_id` from 0.28 (CHANGELOG 0.28.0, #3638); a global bot token
from 0.31 (upstream config/testdata conf.telegram-default-bot-token.yml)."""

from __future__ import annotations

from typing import Annotated

from obslint.model.alertmanager.schema.base import Fmt, OneOfValues, Since, at_most_one, required
from obslint.model.alertmanager.schema.integrations.common import HTTPNotifier


class TelegramConfig(HTTPNotifier):
    what = "telegram_config"
    api_url: Annotated[str | None, Fmt.URL] = None
    bot_token: str | None = None
    bot_token_file: Annotated[str | None, Since((0, 26))] = None
    chat_id: int | None = None
    message_thread_id: Annotated[int | None, Since((0, 28))] = None
    message: str | None = None
    disable_notifications: bool | None = None
    parse_mode: Annotated[str | None, OneOfValues(("", "Markdown", "MarkdownV2", "HTML"))] = None

    checks = (
        required(
            "bot_token",
            "bot_token_file",
            globals_=("telegram_bot_token", "telegram_bot_token_file"),
            message="missing bot_token or bot_token_file on telegram_config",
        ),
        at_most_one("bot_token", "bot_token_file"),
        required("chat_id", message="missing chat_id on telegram_config"),
    )
