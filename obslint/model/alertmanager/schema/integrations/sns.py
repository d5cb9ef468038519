"""`sns_configs`: SNSConfig, config/notifiers.go (v0.25.0 … v0.30.0), and prometheus/sigv4 SigV4Config."""

from __future__ import annotations

from obslint.model.alertmanager.schema.base import Section, Violation, is_set
from obslint.model.alertmanager.schema.integrations.common import HTTPNotifier


class SigV4Config(Section):
    what = "sigv4"
    region: str | None = None
    access_key: str | None = None
    secret_key: str | None = None
    profile: str | None = None
    role_arn: str | None = None
    external_id: str | None = None
    use_fips_sts_endpoint: bool | None = None


def _one_target(section, glob) -> Violation | None:
    # `(TargetARN == "") != (TopicARN == "") != (PhoneNumber == "")`, exactly as SNSConfig.UnmarshalYAML
    # writes it: an odd number of them empty is refused
    empty = [not is_set(section.get(k)) for k in ("target_arn", "topic_arn", "phone_number")]
    if (empty[0] != empty[1]) != empty[2]:
        return Violation(
            "must provide either a Target ARN, Topic ARN, or Phone Number for SNS config", missing=all(empty)
        )
    return None


class SNSConfig(HTTPNotifier):
    what = "sns_config"
    api_url: str | None = None
    sigv4: SigV4Config | None = None
    topic_arn: str | None = None
    phone_number: str | None = None
    target_arn: str | None = None
    subject: str | None = None
    message: str | None = None
    attributes: dict[str, str] | None = None

    checks = (_one_target,)
