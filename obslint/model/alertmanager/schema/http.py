"""`http_config` of the integrations and of `global:`: prometheus/common config/http_config.go
(HTTPClientConfig, BasicAuth, Authorization, OAuth2, TLSConfig, ProxyConfig), the version Alertmanager
vendors. Fields whose release is not pinned here are accepted by every release 0.25+; the version
gates are those prometheus-operator applies (pkg/alertmanager/amcfg.go, `httpClientConfig.sanitize`,
`tlsConfig.sanitize`, `proxyConfig.sanitize`, `oauth2.sanitize`)."""

from __future__ import annotations

from typing import Annotated

from obslint.model.alertmanager.schema.base import Fmt, Section, Since, at_most_one

# ProxyConfig: `no_proxy`, `proxy_from_environment`, `proxy_connect_header` from Alertmanager 0.26
# (amcfg.go: "All proxy options are supported starting from v0.26.0").
_PROXY_026 = Since((0, 26))


class TLSConfig(Section):
    what = "tls_config"
    ca: str | None = None
    ca_file: str | None = None
    ca_ref: str | None = None
    cert: str | None = None
    cert_file: str | None = None
    cert_ref: str | None = None
    key: str | None = None
    key_file: str | None = None
    key_ref: str | None = None
    server_name: str | None = None
    insecure_skip_verify: bool | None = None
    min_version: Annotated[str | None, Fmt.TLS_VERSION] = None
    max_version: Annotated[str | None, Fmt.TLS_VERSION] = None

    checks = (at_most_one("ca", "ca_file"), at_most_one("cert", "cert_file"), at_most_one("key", "key_file"))


class BasicAuth(Section):
    what = "basic_auth"
    username: str | None = None
    username_file: str | None = None
    username_ref: str | None = None
    password: str | None = None
    password_file: str | None = None
    password_ref: str | None = None

    checks = (at_most_one("username", "username_file"), at_most_one("password", "password_file"))


class Authorization(Section):
    what = "authorization"
    type: str | None = None
    credentials: str | None = None
    credentials_file: str | None = None
    credentials_ref: str | None = None

    checks = (at_most_one("credentials", "credentials_file"),)


class OAuth2(Section):
    what = "oauth2"
    client_id: str | None = None
    client_secret: str | None = None
    client_secret_file: str | None = None
    client_secret_ref: str | None = None
    scopes: list[str] | None = None
    token_url: str | None = None
    endpoint_params: dict[str, str] | None = None
    tls_config: TLSConfig | None = None
    # prometheus/common URL: any string url.Parse accepts (no scheme or host required)
    proxy_url: str | None = None
    no_proxy: Annotated[str | None, _PROXY_026] = None
    proxy_from_environment: Annotated[bool | None, _PROXY_026] = None
    proxy_connect_header: Annotated[dict[str, list[str]] | None, _PROXY_026] = None

    checks = (at_most_one("client_secret", "client_secret_file"),)


class HTTPClientConfig(Section):
    what = "http_config"
    basic_auth: BasicAuth | None = None
    authorization: Authorization | None = None
    oauth2: OAuth2 | None = None
    bearer_token: str | None = None
    bearer_token_file: str | None = None
    tls_config: TLSConfig | None = None
    follow_redirects: bool | None = None
    enable_http2: bool | None = None
    # prometheus/common URL: any string url.Parse accepts (no scheme or host required)
    proxy_url: str | None = None
    no_proxy: Annotated[str | None, _PROXY_026] = None
    proxy_from_environment: Annotated[bool | None, _PROXY_026] = None
    proxy_connect_header: Annotated[dict[str, list[str]] | None, _PROXY_026] = None
    http_headers: dict[str, dict] | None = None

    # prometheus/common HTTPClientConfig.Validate
    checks = (
        at_most_one("bearer_token", "bearer_token_file"),
        at_most_one(
            "basic_auth", "authorization", "at most one of basic_auth, oauth2 & authorization must be configured"
        ),
        at_most_one("basic_auth", "oauth2", "at most one of basic_auth, oauth2 & authorization must be configured"),
        at_most_one("authorization", "oauth2", "at most one of basic_auth, oauth2 & authorization must be configured"),
        at_most_one(
            "bearer_token", "authorization", "authorization is not compatible with bearer_token & bearer_token_file"
        ),
        at_most_one(
            "bearer_token_file",
            "authorization",
            "authorization is not compatible with bearer_token & bearer_token_file",
        ),
        at_most_one(
            "bearer_token",
            "basic_auth",
            "at most one of basic_auth, bearer_token & bearer_token_file must be configured",
        ),
        at_most_one(
            "proxy_from_environment",
            "proxy_url",
            "if proxy_from_environment is configured, proxy_url must not be configured",
        ),
    )
