"""`jira_configs` (from 0.28, CHANGELOG 0.28.0 #3590): JiraConfig, config/notifiers.go (v0.28.0 …
v0.30.0); `api_type` from 0.29 (prometheus-operator amcfg.go `jiraConfig.sanitize`)."""

from __future__ import annotations

from typing import Annotated, Any

from obslint.model.alertmanager.schema.base import Fmt, OneOfValues, Since, required
from obslint.model.alertmanager.schema.integrations.common import HTTPNotifier


class JiraConfig(HTTPNotifier):
    what = "jira_config"
    since = (0, 28)
    api_url: Annotated[str | None, Fmt.URL] = None
    api_type: Annotated[str | None, Since((0, 29)), OneOfValues(("", "auto", "cloud", "datacenter"))] = None
    project: str | None = None
    summary: str | None = None
    description: str | None = None
    labels: list[str] | None = None
    priority: str | None = None
    issue_type: str | None = None
    reopen_transition: str | None = None
    resolve_transition: str | None = None
    wont_fix_resolution: str | None = None
    reopen_duration: Annotated[str | None, Fmt.DURATION] = None
    fields: dict[str, Any] | None = None

    checks = (
        required("project", message="missing project in jira_config"),
        required("issue_type", message="missing issue_type in jira_config"),
        required("api_url", globals_=("jira_api_url",), message="no global Jira Cloud URL set"),
    )
