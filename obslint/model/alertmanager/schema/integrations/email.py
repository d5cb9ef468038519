"""`email_configs`: EmailConfig, config/notifiers.go (v0.25.0 … v0.30.0); the global defaults are applied in
config/config.go `Config.UnmarshalYAML` ("no global SMTP smarthost set")."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from obslint.model.alertmanager.schema.base import Fmt, Since, at_most_one, required
from obslint.model.alertmanager.schema.http import TLSConfig
from obslint.model.alertmanager.schema.integrations.common import Notifier


class EmailConfig(Notifier):
    what = "email_config"
    to: str | None = None
    from_: str | None = Field(default=None, alias="from")
    hello: str | None = None
    smarthost: Annotated[str | None, Fmt.HOSTPORT] = None
    auth_username: str | None = None
    auth_password: str | None = None
    auth_password_file: str | None = None
    auth_secret: str | None = None
    # upstream config/testdata after v0.30.0 (conf.smtp-password-global-and-local.yml)
    auth_secret_file: Annotated[str | None, Since((0, 31))] = None
    auth_identity: str | None = None
    headers: dict[str, str] | None = None
    html: str | None = None
    text: str | None = None
    require_tls: bool | None = None
    tls_config: TLSConfig | None = None

    checks = (
        required("to", message="missing to address in email config"),
        required("smarthost", globals_=("smtp_smarthost",), message="no global SMTP smarthost set"),
        required("from", globals_=("smtp_from",), message="no global SMTP from set"),
        at_most_one("auth_password", "auth_password_file"),
    )
