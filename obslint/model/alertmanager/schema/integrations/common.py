"""What every integration has: `send_resolved` (NotifierConfig, config/notifiers.go) and, except email,
an `http_config`."""

from __future__ import annotations

from obslint.model.alertmanager.schema.base import Section
from obslint.model.alertmanager.schema.http import HTTPClientConfig


class Notifier(Section):
    send_resolved: bool | None = None


class HTTPNotifier(Notifier):
    http_config: HTTPClientConfig | None = None
