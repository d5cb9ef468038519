"""`pushover_configs`: PushoverConfig, config/notifiers.go (v0.25.0 … v0.30.0). `user_key_file`,
`token_file`, `device` from 0.26 (CHANGELOG 0.26.0, #3200 #3318), `ttl` from 0.27 and `monospace` from
0.29 (prometheus-operator amcfg.go `pushoverConfig.sanitize`)."""

from __future__ import annotations

from typing import Annotated

from obslint.model.alertmanager.schema.base import Fmt, Since, Violation, at_most_one, required
from obslint.model.alertmanager.schema.integrations.common import HTTPNotifier

_026 = Since((0, 26))


def _html_or_monospace(section, glob) -> Violation | None:
    if section.get("html") is True and section.get("monospace") is True:
        return Violation("at most one of monospace & html must be configured", "monospace")
    return None


class PushoverConfig(HTTPNotifier):
    what = "pushover_config"
    user_key: str | None = None
    user_key_file: Annotated[str | None, _026] = None
    token: str | None = None
    token_file: Annotated[str | None, _026] = None
    title: str | None = None
    message: str | None = None
    url: str | None = None
    url_title: str | None = None
    device: Annotated[str | None, _026] = None
    sound: str | None = None
    priority: str | None = None
    retry: Annotated[str | None, Fmt.GO_DURATION] = None
    expire: Annotated[str | None, Fmt.GO_DURATION] = None
    ttl: Annotated[str | None, Since((0, 27)), Fmt.GO_DURATION] = None
    html: bool | None = None
    monospace: Annotated[bool | None, Since((0, 29))] = None

    checks = (
        required("user_key", "user_key_file", message="one of user_key or user_key_file must be configured"),
        at_most_one("user_key", "user_key_file"),
        required("token", "token_file", message="one of token or token_file must be configured"),
        at_most_one("token", "token_file"),
        _html_or_monospace,
    )
