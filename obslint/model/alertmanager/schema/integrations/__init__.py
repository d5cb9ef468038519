"""One module per Alertmanager integration (`<name>_configs` in a receiver).

Fields per release come from prometheus/alertmanager config/notifiers.go at the release tags (the field
list of v0.25.0 checked against `amtool check-config` 0.25, which refuses what it does not know), the
upstream CHANGELOG.md entries that added fields, and prometheus-operator pkg/alertmanager/amcfg.go
(`sanitize`), which gates each field on the Alertmanager version it renders a configuration for.
"""

from __future__ import annotations

from obslint.model.alertmanager.schema.base import Section
from obslint.model.alertmanager.schema.integrations import (
    chat,
    discord,
    email,
    incidentio,
    jira,
    msteams,
    opsgenie,
    pagerduty,
    pushover,
    slack,
    sns,
    telegram,
    victorops,
    webex,
    webhook,
    wechat,
)

# receiver key -> model
INTEGRATIONS: dict[str, type[Section]] = {
    "email_configs": email.EmailConfig,
    "slack_configs": slack.SlackConfig,
    "pagerduty_configs": pagerduty.PagerdutyConfig,
    "opsgenie_configs": opsgenie.OpsGenieConfig,
    "webhook_configs": webhook.WebhookConfig,
    "pushover_configs": pushover.PushoverConfig,
    "discord_configs": discord.DiscordConfig,
    "telegram_configs": telegram.TelegramConfig,
    "msteams_configs": msteams.MSTeamsConfig,
    "msteamsv2_configs": msteams.MSTeamsV2Config,
    "webex_configs": webex.WebexConfig,
    "sns_configs": sns.SNSConfig,
    "victorops_configs": victorops.VictorOpsConfig,
    "wechat_configs": wechat.WechatConfig,
    "jira_configs": jira.JiraConfig,
    "rocketchat_configs": chat.RocketchatConfig,
    "incidentio_configs": incidentio.IncidentioConfig,
    "mattermost_configs": chat.MattermostConfig,
}
