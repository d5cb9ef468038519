"""Mutations for the AM family (Alertmanager routes, receivers, inhibit rules)."""

from tests.mutations import StackCopy, mutation

HR = "infrastructure/monitoring/kube-prometheus-stack/helmrelease.yaml"
FLUX = "infrastructure/monitoring/config/flux-notifications.yaml"

LAST_ROUTE = '                - severity =~ "warning|info"\n        inhibit_rules:\n'
CRITICAL_ROUTE = (
    '            - receiver: pushover-critical\n              matchers:\n                - severity = "critical"\n'
)


def _append_route(stack: StackCopy, route: str) -> None:
    stack.replace(HR, LAST_ROUTE, '                - severity =~ "warning|info"\n' + route + "        inhibit_rules:\n")


@mutation("route-to-undefined-receiver", {"AM001"})
def undefined_receiver(stack: StackCopy) -> None:
    """A new team route names a receiver nobody defined."""
    _append_route(
        stack, '            - receiver: pushover-oncall\n              matchers:\n                - team = "db"\n'
    )


@mutation("receiver-without-route", {"AM002"})
def unused_receiver(stack: StackCopy) -> None:
    """A receiver is added but no route leads to it."""
    stack.replace(HR, '          - name: "null"\n', '          - name: "null"\n          - name: blackhole\n')


@mutation("default-receiver-null", {"AM003"})
def alert_dropped(stack: StackCopy) -> None:
    """The default receiver becomes "null": Flux events (severity=error) match no route and are dropped."""
    stack.replace(
        HR,
        "          receiver: pushover-warning\n          group_by:",
        '          receiver: "null"\n          group_by:',
    )


@mutation("route-below-catch-all", {"AM004"})
def shadowed_route(stack: StackCopy) -> None:
    """A broader severity route inserted above the critical one takes all critical alerts."""
    stack.replace(
        HR,
        CRITICAL_ROUTE,
        "            - receiver: pushover-warning\n              matchers:\n"
        + '                - severity =~ "critical|warning"\n'
        + CRITICAL_ROUTE,
    )


@mutation("child-route-contradicts-parent", {"AM005"})
def contradictory_route(stack: StackCopy) -> None:
    """A warning child under the critical route: no alert can be both."""
    stack.replace(
        HR,
        CRITICAL_ROUTE,
        CRITICAL_ROUTE
        + "              routes:\n                - receiver: pushover-warning\n"
        + '                  matchers:\n                    - severity = "warning"\n',
    )


@mutation("route-severity-typo", {"AM006"})
def route_no_known_alert(stack: StackCopy) -> None:
    """A route for a misspelled severity."""
    _append_route(
        stack,
        '            - receiver: pushover-critical\n              matchers:\n                - severity = "critcal"\n',
    )


@mutation("unquoted-null-receiver", {"AM007"})
def yaml_null_receiver(stack: StackCopy) -> None:
    """`receiver: null` without quotes on the Watchdog route."""
    stack.replace(
        HR,
        '            - receiver: "null"\n              matchers:\n                - alertname = "Watchdog"\n',
        '            - receiver: null\n              matchers:\n                - alertname = "Watchdog"\n',
    )


@mutation("flux-provider-address-typo", {"AM008"})
def endpoint_missing(stack: StackCopy) -> None:
    """The Flux Provider posts to a misspelled Alertmanager Service."""
    stack.replace(FLUX, "kube-prometheus-stack-alertmanager.monitoring", "kube-prometheus-stack-alertmanagr.monitoring")


@mutation("inhibit-rule-same-sides", {"AM009"})
def inhibit_overlap(stack: StackCopy) -> None:
    """The warning->info inhibit rule's source becomes its target: info alerts meant to mute repeats."""
    stack.replace(
        HR,
        '              - severity = "warning"\n            target_matchers:\n              - severity = "info"\n',
        '              - severity = "info"\n            target_matchers:\n              - severity = "info"\n',
    )


@mutation("inhibit-rule-alertname-typo", {"AM010"})
def inhibit_no_known_alert(stack: StackCopy) -> None:
    """The InfoInhibitor inhibit rule names a misspelled alert."""
    stack.replace(
        HR,
        '          - source_matchers:\n              - alertname = "InfoInhibitor"\n',
        '          - source_matchers:\n              - alertname = "InfoInhibtor"\n',
    )


@mutation("route-mutes-undefined-interval", {"AM011"})
def undefined_time_interval(stack: StackCopy) -> None:
    """The warning route mutes during an interval that is not defined."""
    stack.replace(
        HR,
        LAST_ROUTE,
        '                - severity =~ "warning|info"\n'
        + "              mute_time_intervals: [nights]\n        inhibit_rules:\n",
    )


@mutation("group-by-all-labels", {"AM012"})
def group_by_all(stack: StackCopy) -> None:
    """The root route groups by every label."""
    stack.replace(HR, "          group_by: [alertname, namespace]\n", "          group_by: ['...']\n")


@mutation("group-by-namespace-only", {"AM013"})
def missing_alertname(stack: StackCopy) -> None:
    """The root route groups by namespace only (the chart default)."""
    stack.replace(HR, "          group_by: [alertname, namespace]\n", "          group_by: [namespace]\n")


@mutation("root-route-continue", {"AM014"})
def config_invalid(stack: StackCopy) -> None:
    """`continue: true` on the root route: Alertmanager refuses the config."""
    stack.replace(
        HR,
        "          receiver: pushover-warning\n          group_by:",
        "          receiver: pushover-warning\n          continue: true\n          group_by:",
    )


@mutation("notification-title-prints-ungrouped-label", {"AM015"})
def template_label_not_grouped(stack: StackCopy) -> None:
    """The critical Pushover title prints .GroupLabels.severity; the routes group by alertname and namespace."""
    stack.replace(
        HR,
        '                priority: "1"\n',
        '                priority: "1"\n'
        "                title: '[{{ .GroupLabels.severity }}] {{ .GroupLabels.alertname }}'\n",
    )


@mutation("critical-route-deprecated-match", {"AM016"})
def deprecated_match(stack: StackCopy) -> None:
    """The critical route written with the deprecated `match` instead of `matchers`."""
    stack.replace(
        HR,
        CRITICAL_ROUTE,
        "            - receiver: pushover-critical\n              match:\n                severity: critical\n",
    )


@mutation("critical-repeat-below-group-interval", {"AM017"})
def repeat_below_group(stack: StackCopy) -> None:
    """The critical route meant to repeat every minute: it cannot repeat faster than group_interval (5m)."""
    stack.replace(
        HR,
        '                - severity = "critical"\n              repeat_interval: 4h\n',
        '                - severity = "critical"\n              repeat_interval: 1m\n',
    )


@mutation("group-wait-and-interval-swapped", {"AM018"})
def wait_above_group(stack: StackCopy) -> None:
    """group_wait and group_interval swapped on the root route."""
    stack.replace(
        HR,
        "          group_wait: 30s\n          group_interval: 5m\n",
        "          group_wait: 5m\n          group_interval: 30s\n",
    )


_FREEZE = (
    "        time_intervals:\n          - name: freeze\n            time_intervals:\n"
    '              - months: [february]\n                days_of_month: ["30:31"]\n'
)


@mutation("mute-interval-on-february-30", {"AM019"})
def interval_never_matches(stack: StackCopy) -> None:
    """The warning route muted on a "month-end freeze" written as February 30-31: it never mutes."""
    stack.replace(
        HR,
        LAST_ROUTE,
        '                - severity =~ "warning|info"\n'
        "              mute_time_intervals: [freeze]\n" + _FREEZE + "        inhibit_rules:\n",
    )


@mutation("critical-route-muted-on-every-weekday", {"AM020"})
def route_never_notifies(stack: StackCopy) -> None:
    """The critical route muted on weekdays and weekends (two entries): critical alerts are never sent."""
    stack.replace(
        HR,
        CRITICAL_ROUTE,
        CRITICAL_ROUTE + "              mute_time_intervals: [always]\n",
    )
    stack.replace(
        HR,
        "        inhibit_rules:\n",
        "        time_intervals:\n          - name: always\n            time_intervals:\n"
        '              - weekdays: ["monday:friday"]\n              - weekdays: [saturday, sunday]\n'
        "        inhibit_rules:\n",
    )


@mutation("warning-inhibits-critical-too", {"AM021"})
def mutual_inhibition(stack: StackCopy) -> None:
    """A rule letting warnings mute criticals of the same alert, against the chart's critical-mutes-warning."""
    stack.replace(
        HR,
        "        inhibit_rules:\n",
        '        inhibit_rules:\n          - source_matchers:\n              - severity = "warning"\n'
        '            target_matchers:\n              - severity = "critical"\n'
        "            equal: [namespace, alertname]\n",
    )


@mutation("route-regex-unquoted-brace", {"AM022"})
def trailing_brace(stack: StackCopy) -> None:
    """A team route whose unquoted regex ends in a repetition `{2}`: Alertmanager strips the `}`."""
    _append_route(
        stack,
        "            - receiver: pushover-critical\n              matchers:\n                - instance=~db-[0-9]{2}\n",
    )


CRITICAL_RECEIVER = '                priority: "1"\n'


@mutation("notification-title-uses-prometheus-function", {"AM030"})
def template_parse_error(stack: StackCopy) -> None:
    """The critical Pushover title pipes the status through humanize, a Prometheus function Alertmanager lacks."""
    stack.replace(HR, CRITICAL_RECEIVER, CRITICAL_RECEIVER + "                title: '{{ .Status | humanize }}'\n")


@mutation("notification-title-calls-undefined-template", {"AM031"})
def template_undefined(stack: StackCopy) -> None:
    """The critical Pushover title runs a template no file under /etc/alertmanager/config defines."""
    stack.replace(
        HR,
        CRITICAL_RECEIVER,
        CRITICAL_RECEIVER + "                title: '{{ template \"pushover.custom.title\" . }}'\n",
    )


@mutation("flux-route-prints-absent-pod-label", {"AM032"})
def template_label_absent(stack: StackCopy) -> None:
    """A route for the long Flux failure prints .CommonLabels.pod; the alert is aggregated by namespace, name, kind."""
    stack.replace(
        HR,
        CRITICAL_ROUTE,
        "            - receiver: pushover-flux\n              matchers:\n"
        + '                - alertname = "FluxReconciliationFailureLong"\n'
        + CRITICAL_ROUTE,
    )
    stack.replace(
        HR,
        "          - name: pushover-warning\n",
        "          - name: pushover-flux\n            pushover_configs:\n"
        "              - user_key_file: /etc/alertmanager/secrets/alertmanager-pushover/user-key\n"
        "                token_file: /etc/alertmanager/secrets/alertmanager-pushover/token\n"
        "                message: '{{ .CommonLabels.name }} on {{ .CommonLabels.pod }}'\n"
        "          - name: pushover-warning\n",
    )


@mutation("repeat-interval-typo", {"AM023"})
def config_unknown_field(stack: StackCopy) -> None:
    """`repeat_interval` misspelt: Alertmanager refuses the whole config."""
    stack.replace(HR, "          repeat_interval: 12h\n", "          repeat_intervall: 12h\n")


@mutation("pushover-without-token", {"AM014"})
def receiver_required_value_missing(stack: StackCopy) -> None:
    """A pushover receiver loses its token: Alertmanager refuses the config."""
    stack.replace(
        HR,
        "                token_file: /etc/alertmanager/secrets/alertmanager-pushover/token\n"
        + '                priority: "1"\n',
        '                priority: "1"\n',
    )


@mutation("pushover-ttl-on-an-old-chart", {"AM023"})
def config_field_of_newer_release(stack: StackCopy) -> None:
    """The chart pinned back to a release that deploys Alertmanager 0.26, whose pushover lacks `ttl`."""
    stack.replace(HR, "      version: 80.6.0\n", "      version: 56.0.0\n")
    stack.replace(HR, '                priority: "1"\n', '                priority: "1"\n                ttl: 1h\n')
