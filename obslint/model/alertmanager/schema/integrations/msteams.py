"""`msteams_configs` (from 0.26, CHANGELOG 0.26.0 #3324) and `msteamsv2_configs` (from 0.28, CHANGELOG
0.28.0 #4024): MSTeamsConfig, MSTeamsV2Config, config/notifiers.go (v0.26.0 … v0.30.0). msteams
`webhook_url_file` and `summary` from 0.27 (CHANGELOG 0.27.0, #3555 #3616)."""

from __future__ import annotations

from typing import Annotated

from obslint.model.alertmanager.schema.base import Fmt, Since, at_most_one, required
from obslint.model.alertmanager.schema.integrations.common import HTTPNotifier

_027 = Since((0, 27))
_CHECKS = (
    required("webhook_url", "webhook_url_file", message="one of webhook_url or webhook_url_file must be configured"),
    at_most_one("webhook_url", "webhook_url_file"),
)


class MSTeamsConfig(HTTPNotifier):
    what = "msteams_config"
    since = (0, 26)
    webhook_url: Annotated[str | None, Fmt.URL] = None
    webhook_url_file: Annotated[str | None, _027] = None
    title: str | None = None
    summary: Annotated[str | None, _027] = None
    text: str | None = None

    checks = _CHECKS


class MSTeamsV2Config(HTTPNotifier):
    what = "msteamsv2_config"
    since = (0, 28)
    webhook_url: Annotated[str | None, Fmt.URL] = None
    webhook_url_file: str | None = None
    title: str | None = None
    text: str | None = None

    checks = _CHECKS
