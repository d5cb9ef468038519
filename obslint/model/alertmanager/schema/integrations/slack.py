"""`slack_configs`: SlackConfig, SlackField, SlackAction, SlackConfirmationField, config/notifiers.go
(v0.25.0 … v0.30.0). App tokens, `app_url` and `timeout` from 0.30 (prometheus-operator amcfg.go
`slackConfig.sanitize`; upstream config/testdata conf.slack-default-app-token.yml at v0.30.0)."""

from __future__ import annotations

from typing import Annotated

from obslint.model.alertmanager.schema.base import Fmt, Section, Since, Violation, at_most_one, is_set, required
from obslint.model.alertmanager.schema.integrations.common import HTTPNotifier

_030 = Since((0, 30))


class SlackConfirmationField(Section):
    what = "slack confirmation"
    text: str | None = None
    title: str | None = None
    ok_text: str | None = None
    dismiss_text: str | None = None

    checks = (required("text", message="missing text in Slack confirmation configuration"),)


class SlackAction(Section):
    what = "slack action"
    type: str | None = None
    text: str | None = None
    url: str | None = None
    style: str | None = None
    name: str | None = None
    value: str | None = None
    confirm: SlackConfirmationField | None = None

    checks = (
        required("type", message="missing type in Slack action configuration"),
        required("text", message="missing text in Slack action configuration"),
        required("url", "name", message="missing name or url in Slack action configuration"),
    )


class SlackField(Section):
    what = "slack field"
    title: str | None = None
    value: str | None = None
    short: bool | None = None

    checks = (
        required("title", message="missing title in Slack field configuration"),
        required("value", message="missing value in Slack field configuration"),
    )


def _token_or_url(section, glob) -> Violation | None:
    token = is_set(section.get("app_token")) or is_set(section.get("app_token_file"))
    if token and (is_set(section.get("api_url")) or is_set(section.get("api_url_file"))):
        return Violation(
            "at most one of app_token/app_token_file & api_url/api_url_file must be configured", "app_token"
        )
    return None


class SlackConfig(HTTPNotifier):
    what = "slack_config"
    api_url: Annotated[str | None, Fmt.URL] = None
    api_url_file: str | None = None
    app_token: Annotated[str | None, _030] = None
    app_token_file: Annotated[str | None, _030] = None
    app_url: Annotated[str | None, _030, Fmt.URL] = None
    timeout: Annotated[str | None, _030, Fmt.GO_DURATION] = None
    # upstream config/testdata conf.slack-update-message-and-webhook.yml (v0.32.0)
    update_message: Annotated[bool | None, Since((0, 32))] = None
    channel: str | None = None
    username: str | None = None
    color: str | None = None
    title: str | None = None
    title_link: str | None = None
    pretext: str | None = None
    text: str | None = None
    fields: list[SlackField] | None = None
    short_fields: bool | None = None
    footer: str | None = None
    fallback: str | None = None
    callback_id: str | None = None
    icon_emoji: str | None = None
    icon_url: str | None = None
    image_url: str | None = None
    thumb_url: str | None = None
    link_names: bool | None = None
    mrkdwn_in: list[str] | None = None
    actions: list[SlackAction] | None = None

    checks = (
        at_most_one("api_url", "api_url_file"),
        at_most_one("app_token", "app_token_file"),
        _token_or_url,
        required(
            "api_url",
            "api_url_file",
            "app_token",
            "app_token_file",
            globals_=("slack_api_url", "slack_api_url_file", "slack_app_token", "slack_app_token_file"),
            message="no global Slack API URL set",
        ),
    )
