"""`rocketchat_configs` (from 0.28, CHANGELOG 0.28.0 #3600): RocketchatConfig and its attachment types,
config/notifiers.go (v0.28.0 … v0.30.0); the attachment types carry no yaml tags, so their keys are the Go
field names in lower case. `mattermost_configs` from 0.32 (upstream config/testdata
conf.mattermost-*.yml), taken as a whole: its fields are newer than the releases described here."""

from __future__ import annotations

from typing import Annotated

from obslint.model.alertmanager.schema.base import Fmt, Section, at_most_one, required
from obslint.model.alertmanager.schema.integrations.common import HTTPNotifier


class RocketchatField(Section):
    what = "rocketchat field"
    short: bool | None = None
    title: str | None = None
    value: str | None = None


class RocketchatAction(Section):
    what = "rocketchat action"
    type: str | None = None
    text: str | None = None
    url: str | None = None
    imageurl: str | None = None
    iswebview: bool | None = None
    webviewheightratio: str | None = None
    msg: str | None = None
    msginchatwindow: bool | None = None
    msgprocessingtype: str | None = None


class RocketchatConfig(HTTPNotifier):
    what = "rocketchat_config"
    since = (0, 28)
    api_url: Annotated[str | None, Fmt.URL] = None
    token_id: str | None = None
    token_id_file: str | None = None
    token: str | None = None
    token_file: str | None = None
    channel: str | None = None
    color: str | None = None
    title: str | None = None
    title_link: str | None = None
    text: str | None = None
    fields: list[RocketchatField] | None = None
    short_fields: bool | None = None
    emoji: str | None = None
    icon_url: str | None = None
    image_url: str | None = None
    thumb_url: str | None = None
    link_names: bool | None = None
    actions: list[RocketchatAction] | None = None

    checks = (
        at_most_one("token", "token_file"),
        at_most_one("token_id", "token_id_file"),
        required(
            "token",
            "token_file",
            globals_=("rocketchat_token", "rocketchat_token_file"),
            message="no global Rocketchat Token set",
        ),
        required(
            "token_id",
            "token_id_file",
            globals_=("rocketchat_token_id", "rocketchat_token_id_file"),
            message="no global Rocketchat Token ID set",
        ),
    )


class MattermostConfig(Section):
    """Accepted whole (see the module docstring)."""

    what = "mattermost_config"
    since = (0, 32)
    opaque = True
