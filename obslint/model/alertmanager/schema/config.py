"""The top level, `global:` and a receiver: Config, GlobalConfig, Receiver in config/config.go
(v0.25.0 … v0.30.0). Global fields per release: prometheus-operator pkg/alertmanager/amcfg.go
(`globalConfig.sanitize`: `smtp_tls_config` 0.28, Slack app tokens 0.30), CHANGELOG 0.28.0 (Jira and
Rocket.Chat integrations), and upstream config/testdata after v0.30.0 for the newer ones."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field, create_model

from obslint.model.alertmanager.schema.base import Fmt, Section, Since, Violation, at_most_one, is_set
from obslint.model.alertmanager.schema.http import HTTPClientConfig, TLSConfig
from obslint.model.alertmanager.schema.integrations import INTEGRATIONS
from obslint.model.alertmanager.schema.routing import InhibitRule, Route, TimeInterval

_028 = Since((0, 28))
_030 = Since((0, 30))
_031 = Since((0, 31))
_032 = Since((0, 32))


def _slack_token_or_url(section: Mapping, glob: Mapping) -> Violation | None:
    # config/config.go (v0.30.0) GlobalConfig: an app token and a webhook URL exclude each other, unless the
    # URL is the app URL itself (the form prometheus-operator renders, amcfg.go `globalConfig.sanitize`)
    token = is_set(section.get("slack_app_token")) or is_set(section.get("slack_app_token_file"))
    url = is_set(section.get("slack_api_url")) or is_set(section.get("slack_api_url_file"))
    if (
        token
        and url
        and section.get("slack_api_url") != section.get("slack_app_url", "https://slack.com/api/chat.postMessage")
    ):
        return Violation(
            "at most one of slack_app_token/slack_app_token_file & slack_api_url/slack_api_url_file must be configured",
            "slack_api_url" if "slack_api_url" in section else "slack_api_url_file",
        )
    return None


class GlobalConfig(Section):
    what = "global"
    resolve_timeout: Annotated[str | None, Fmt.DURATION] = None
    http_config: HTTPClientConfig | None = None
    smtp_from: str | None = None
    smtp_hello: str | None = None
    smtp_smarthost: Annotated[str | None, Fmt.HOSTPORT] = None
    smtp_auth_username: str | None = None
    smtp_auth_password: str | None = None
    smtp_auth_password_file: str | None = None
    smtp_auth_secret: str | None = None
    smtp_auth_secret_file: Annotated[str | None, _031] = None
    smtp_auth_identity: str | None = None
    smtp_require_tls: bool | None = None
    smtp_tls_config: Annotated[TLSConfig | None, _028] = None
    slack_api_url: Annotated[str | None, Fmt.URL] = None
    slack_api_url_file: str | None = None
    slack_app_token: Annotated[str | None, _030] = None
    slack_app_token_file: Annotated[str | None, _030] = None
    slack_app_url: Annotated[str | None, _030, Fmt.URL] = None
    pagerduty_url: Annotated[str | None, Fmt.URL] = None
    opsgenie_api_url: Annotated[str | None, Fmt.URL] = None
    opsgenie_api_key: str | None = None
    opsgenie_api_key_file: str | None = None
    wechat_api_url: Annotated[str | None, Fmt.URL] = None
    wechat_api_secret: str | None = None
    wechat_api_secret_file: Annotated[str | None, _031] = None
    wechat_api_corp_id: str | None = None
    victorops_api_url: Annotated[str | None, Fmt.URL] = None
    victorops_api_key: str | None = None
    victorops_api_key_file: str | None = None
    telegram_api_url: Annotated[str | None, Fmt.URL] = None
    telegram_bot_token: Annotated[str | None, _031] = None
    telegram_bot_token_file: Annotated[str | None, _031] = None
    webex_api_url: Annotated[str | None, Fmt.URL] = None
    rocketchat_api_url: Annotated[str | None, _028, Fmt.URL] = None
    rocketchat_token: Annotated[str | None, _028] = None
    rocketchat_token_file: Annotated[str | None, _028] = None
    rocketchat_token_id: Annotated[str | None, _028] = None
    rocketchat_token_id_file: Annotated[str | None, _028] = None
    jira_api_url: Annotated[str | None, _028, Fmt.URL] = None
    mattermost_webhook_url: Annotated[str | None, _032, Fmt.URL] = None
    mattermost_webhook_url_file: Annotated[str | None, _032] = None

    checks = (
        at_most_one("smtp_auth_password", "smtp_auth_password_file"),
        at_most_one("slack_api_url", "slack_api_url_file"),
        at_most_one("slack_app_token", "slack_app_token_file"),
        _slack_token_or_url,
        at_most_one("opsgenie_api_key", "opsgenie_api_key_file"),
        at_most_one("victorops_api_key", "victorops_api_key_file"),
        at_most_one("wechat_api_secret", "wechat_api_secret_file"),
        at_most_one("telegram_bot_token", "telegram_bot_token_file"),
        at_most_one("rocketchat_token", "rocketchat_token_file"),
        at_most_one("rocketchat_token_id", "rocketchat_token_id_file"),
        at_most_one("mattermost_webhook_url", "mattermost_webhook_url_file"),
    )


class _ReceiverName(Section):
    what = "receiver"
    shape_checked_elsewhere = True
    name: Any = None


# A receiver: its name and one list per integration.
Receiver: type[Section] = create_model(  # type: ignore[call-overload]
    "Receiver", __base__=_ReceiverName, **{key: (list[model] | None, None) for key, model in INTEGRATIONS.items()}
)


class Config(Section):
    what = "config"
    shape_checked_elsewhere = True
    global_: GlobalConfig | None = Field(default=None, alias="global")
    route: Route | None = None
    inhibit_rules: list[InhibitRule] | None = None
    receivers: list[Receiver] | None = None  # type: ignore[valid-type]
    templates: list[str] | None = None
    mute_time_intervals: list[TimeInterval] | None = None
    time_intervals: list[TimeInterval] | None = None
    tracing: dict[str, Any] | None = None
