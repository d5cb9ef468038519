"""`pagerduty_configs`: PagerdutyConfig, PagerdutyImage, PagerdutyLink, config/notifiers.go (v0.25.0 …
v0.30.0); `timeout` from 0.30 (prometheus-operator amcfg.go `pagerdutyConfig.sanitize`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from obslint.model.alertmanager.schema.base import Fmt, Section, Since, at_most_one, required
from obslint.model.alertmanager.schema.integrations.common import HTTPNotifier


class PagerdutyImage(Section):
    what = "pagerduty image"
    src: str | None = None
    alt: str | None = None
    href: str | None = None


class PagerdutyLink(Section):
    what = "pagerduty link"
    href: str | None = None
    text: str | None = None


class PagerdutyConfig(HTTPNotifier):
    what = "pagerduty_config"
    service_key: str | None = None
    service_key_file: str | None = None
    routing_key: str | None = None
    routing_key_file: str | None = None
    url: Annotated[str | None, Fmt.URL] = None
    client: str | None = None
    client_url: str | None = None
    description: str | None = None
    details: dict[str, str] | None = None
    images: list[PagerdutyImage] | None = None
    links: list[PagerdutyLink] | None = None
    source: str | None = None
    severity: str | None = None
    class_: str | None = Field(default=None, alias="class")
    component: str | None = None
    group: str | None = None
    timeout: Annotated[str | None, Since((0, 30)), Fmt.GO_DURATION] = None

    checks = (
        required(
            "routing_key",
            "service_key",
            "routing_key_file",
            "service_key_file",
            message="missing service or routing key in PagerDuty config",
        ),
        at_most_one("routing_key", "routing_key_file"),
        at_most_one("service_key", "service_key_file"),
    )
