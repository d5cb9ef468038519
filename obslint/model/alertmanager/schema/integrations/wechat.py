"""`wechat_configs`: WechatConfig, config/notifiers.go (v0.25.0 … v0.30.0); the global secret and corp id
come from config/config.go `Config.UnmarshalYAML`; `api_secret_file` from 0.31 (upstream config/testdata
conf.wechat-default-api-secret-file.yml)."""

from __future__ import annotations

from typing import Annotated

from obslint.model.alertmanager.schema.base import Fmt, OneOfValues, Since, at_most_one, required
from obslint.model.alertmanager.schema.integrations.common import HTTPNotifier


class WechatConfig(HTTPNotifier):
    what = "wechat_config"
    api_secret: str | None = None
    api_secret_file: Annotated[str | None, Since((0, 31))] = None
    corp_id: str | None = None
    message: str | None = None
    api_url: Annotated[str | None, Fmt.URL] = None
    to_user: str | None = None
    to_party: str | None = None
    to_tag: str | None = None
    agent_id: str | None = None
    message_type: Annotated[str | None, OneOfValues(("", "text", "markdown"))] = None

    checks = (
        at_most_one("api_secret", "api_secret_file"),
        required(
            "api_secret",
            "api_secret_file",
            globals_=("wechat_api_secret", "wechat_api_secret_file"),
            message="no global Wechat ApiSecret set",
        ),
        required("corp_id", globals_=("wechat_api_corp_id",), message="no global Wechat CorpID set"),
    )
