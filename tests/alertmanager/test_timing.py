"""AM017-AM022 and obslint.timeintervals: timings, time intervals, mutual inhibition, stripped braces."""

from __future__ import annotations

import pytest

from obslint.findings import Severity
from obslint.routing import load_config, parse_matchers
from obslint.rules.alertmanager.braces import stripped_brace
from obslint.rules.alertmanager.inhibit import _witness
from obslint.timeintervals import covers, entries_of, never_matches
from tests.alertmanager.test_rules import RECEIVERS, RULES, am, run


def _cfg(body: str) -> str:
    return "route:\n  receiver: team\n" + body + RECEIVERS


def _entries(*entries: dict) -> list:
    got = entries_of({"name": "x", "time_intervals": list(entries)})
    assert got is not None
    return got


# --- obslint.timeintervals ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"times": [{"start_time": "17:00", "end_time": "09:00"}]}, "start time cannot be equal or greater than end"),
        ({"times": [{"start_time": "9:00", "end_time": "10:00"}]}, "couldn't parse timestamp 9:00, invalid format"),
        ({"times": [{"start_time": "09:00"}]}, "both start and end times must be provided"),
        ({"weekdays": ["friday:monday"]}, "start day cannot be before end day"),
        ({"weekdays": ["saturday:sunday"]}, "start day cannot be before end day"),  # no wrap-around
        ({"weekdays": ["funday"]}, "funday is not a valid weekday"),
        ({"days_of_month": ["0"]}, "0 is not a valid day of the month: out of range"),
        ({"days_of_month": ["-3:5"]}, "end day must be negative if start day is negative"),
        ({"days_of_month": ["20:10"]}, "end day 10 is always before start day 20"),
        ({"months": ["may:march"]}, "end month march is before start month may"),
        ({"years": ["2030:2020"]}, "end year 2020 is before start year 2030"),
        ({"weekdays": ["monday:tuesday:friday"]}, "couldn't parse range monday:tuesday:friday, invalid format"),
    ],
)
def test_ranges_alertmanager_refuses_are_config_problems(entry, message):
    cfg = load_config(
        {
            "route": {"receiver": "a"},
            "receivers": [{"name": "a"}],
            "time_intervals": [{"name": "x", "time_intervals": [entry]}],
        }
    )
    assert len(cfg.problems) == 1 and cfg.problems[0].message.startswith(message)


def test_valid_ranges_load_without_problems():
    entry = {
        "times": [{"start_time": "00:00", "end_time": "24:00"}],
        "weekdays": ["Monday:FRIDAY", "saturday"],
        "days_of_month": ["1:5", "-3:-1", 7],
        "months": ["1:march", "december"],
        "years": ["2020:2030"],
        "time_zone": "Europe/Berlin",
    }
    cfg = load_config(
        {
            "route": {"receiver": "a"},
            "receivers": [{"name": "a"}],
            "time_intervals": [{"name": "x", "time_intervals": [entry]}],
        }
    )
    assert cfg.problems == []


@pytest.mark.parametrize(
    ("entry", "never"),
    [
        ({"months": ["february"], "days_of_month": ["30:31"]}, True),
        ({"months": ["april", "june", "september", "november"], "days_of_month": ["31"]}, True),
        ({"months": ["february"], "days_of_month": ["29"]}, False),  # leap years
        ({"months": ["february"], "days_of_month": ["29"], "years": ["2023"]}, True),
        ({"months": ["february"], "days_of_month": ["29"], "years": ["2023:2024"]}, False),
        ({"months": ["february"], "days_of_month": ["-31:-30"]}, True),
        ({"days_of_month": ["-31:-30"]}, False),  # 1-2 of 31-day months
        ({"weekdays": []}, True),  # set and empty
        ({"times": []}, True),
        ({"months": ["13"]}, True),  # loads (no range check on months), matches nothing
        ({}, False),
    ],
)
def test_never_matches(entry, never):
    assert never_matches(_entries(entry)) is never


def test_covers_by_days_and_minutes():
    every_weekday = _entries({"weekdays": ["monday:friday"]}, {"weekdays": ["saturday", "sunday"]})
    assert covers(None, every_weekday) is True
    halves = _entries(
        {"times": [{"start_time": "00:00", "end_time": "12:00"}]},
        {"times": [{"start_time": "12:00", "end_time": "24:00"}]},
    )
    assert covers(None, halves) is True
    gap = _entries(
        {"times": [{"start_time": "00:00", "end_time": "12:00"}]},
        {"times": [{"start_time": "12:01", "end_time": "24:00"}]},
    )
    assert covers(None, gap) is False
    office = _entries({"weekdays": ["monday:friday"], "times": [{"start_time": "09:00", "end_time": "17:00"}]})
    assert covers(office, _entries({"weekdays": ["monday:friday"]})) is True
    assert covers(office, _entries({"weekdays": ["monday:thursday"]})) is False
    assert covers(None, _entries({"years": ["2000:2100"]})) is False


def test_covers_across_time_zones_decides_only_what_the_zone_cannot_change():
    office = _entries({"weekdays": ["monday:friday"], "times": [{"start_time": "09:00", "end_time": "17:00"}]})
    weekdays_tokyo = _entries({"weekdays": ["monday:friday"], "time_zone": "Asia/Tokyo"})
    assert covers(office, weekdays_tokyo) is None
    always_tokyo = _entries({"time_zone": "Asia/Tokyo"})
    assert covers(office, always_tokyo) is True
    never = _entries({"weekdays": [], "time_zone": "Asia/Tokyo"})
    assert covers(never, office) is True


def test_alertmanagerconfig_spelling_is_read():
    got = entries_of(
        {"name": "x", "timeIntervals": [{"months": ["february"], "daysOfMonth": [{"start": 30, "end": 31}]}]}
    )
    assert got is not None and never_matches(got) is True


# --- AM017 / AM018 --------------------------------------------------------------------------
def test_repeat_below_group_reported_where_the_pair_is_set(repo):
    cfg = _cfg(
        "  group_interval: 10m\n  repeat_interval: 1h\n  routes:\n"
        '    - matchers: [severity="critical"]\n      receiver: pager\n      repeat_interval: 2m\n'
        '      routes:\n        - matchers: [team="db"]\n          receiver: pager\n'
    )
    findings = run(repo, {"alertmanager.yml": cfg}, "AM017")
    assert [(f.loc.line, f.severity) for f in findings] == [(8, Severity.WARNING)]
    assert "repeat_interval 2m is shorter than group_interval 10m" in findings[0].message
    assert run(repo, {"alertmanager.yml": cfg.replace("repeat_interval: 2m", "repeat_interval: 20m")}, "AM017") == []


def test_repeat_below_group_ignores_null_receivers_and_chart_defaults(repo):
    cfg = _cfg('  routes:\n    - matchers: [alertname="Watchdog"]\n      receiver: "null"\n      repeat_interval: 1m\n')
    assert run(repo, {"alertmanager.yml": cfg}, "AM017") == []
    assert run(repo, {"hr.yaml": am("route: {receiver: team}\n" + RECEIVERS)}, "AM017") == []


def test_group_wait_above_group_interval(repo):
    cfg = _cfg("  group_wait: 10m\n")  # default group_interval 5m
    findings = run(repo, {"alertmanager.yml": cfg}, "AM018")
    assert len(findings) == 1 and findings[0].severity is Severity.INFO and findings[0].loc.line == 3
    assert run(repo, {"alertmanager.yml": _cfg("  group_wait: 1m\n")}, "AM018") == []


# --- AM019 / AM020 --------------------------------------------------------------------------
_ROUTE = '  routes:\n    - matchers: [severity="critical"]\n      receiver: pager\n'


def test_interval_never_matches_points_at_the_entry(repo):
    cfg = _cfg(
        _ROUTE + "      mute_time_intervals: [freeze]\n"
        "time_intervals:\n  - name: freeze\n    time_intervals:\n"
        "      - weekdays: [saturday]\n"
        "      - months: [february]\n        days_of_month: ['30']\n"
    )
    findings = run(repo, {"alertmanager.yml": cfg}, "AM019")
    assert [f.loc.line for f in findings] == [11]
    assert 'an entry of time interval "freeze" matches no date' in findings[0].message
    whole = cfg.replace("      - weekdays: [saturday]\n", "")
    assert "it never applies" in run(repo, {"alertmanager.yml": whole}, "AM019")[0].message
    empty = _cfg("time_intervals:\n  - name: nothing\n")
    assert "has no entries" in run(repo, {"alertmanager.yml": empty}, "AM019")[0].message
    ok = cfg.replace("days_of_month: ['30']", "days_of_month: ['28']")
    assert run(repo, {"alertmanager.yml": ok}, "AM019") == []


def test_refused_interval_is_am014_not_am019(repo):
    cfg = _cfg("time_intervals:\n  - name: x\n    time_intervals:\n      - weekdays: ['friday:monday']\n")
    findings = run(repo, {"alertmanager.yml": cfg}, "AM014")
    assert len(findings) == 1 and "start day cannot be before end day" in findings[0].message
    assert findings[0].loc.line == 6
    assert run(repo, {"alertmanager.yml": cfg}, "AM019") == []


@pytest.mark.parametrize(
    ("route_keys", "intervals", "reason"),
    [
        ("      active_time_intervals: [feb30]\n", "", "active_time_intervals [feb30] match no moment"),
        ("      mute_time_intervals: [always]\n", "", "mute_time_intervals [always] match every moment"),
        (
            "      active_time_intervals: [office]\n      mute_time_intervals: [weekdays]\n",
            "",
            "mute_time_intervals [weekdays] match every moment its active_time_intervals [office] do",
        ),
    ],
)
def test_route_never_notifies(repo, route_keys, intervals, reason):
    defs = (
        "time_intervals:\n"
        "  - name: feb30\n    time_intervals: [{months: [february], days_of_month: ['30']}]\n"
        "  - name: always\n    time_intervals: [{weekdays: ['monday:friday']}, {weekdays: [saturday, sunday]}]\n"
        "  - name: office\n    time_intervals: [{weekdays: ['monday:friday'], "
        "times: [{start_time: '09:00', end_time: '17:00'}]}]\n"
        "  - name: weekdays\n    time_intervals: [{weekdays: ['monday:friday']}]\n"
        "  - name: nights\n    time_intervals: [{times: [{start_time: '00:00', end_time: '06:00'}]}]\n"
    )
    cfg = _cfg(_ROUTE + route_keys + defs)
    findings = run(repo, {"alertmanager.yml": cfg}, "AM020")
    assert len(findings) == 1 and reason in findings[0].message and findings[0].severity is Severity.ERROR
    key = reason.split()[0]
    assert findings[0].loc.line == 1 + cfg.splitlines().index(
        next(x for x in cfg.splitlines() if x.startswith(f"      {key}"))
    )
    fine = cfg.replace(route_keys, "      active_time_intervals: [office]\n      mute_time_intervals: [nights]\n")
    assert run(repo, {"alertmanager.yml": fine}, "AM020") == []
    null = cfg.replace("receiver: pager", 'receiver: "null"')
    assert run(repo, {"alertmanager.yml": null}, "AM020") == []


def test_route_never_notifies_with_alertmanagerconfig_intervals(repo):
    base = am("route: {receiver: team}\n" + RECEIVERS)
    amc = """\
apiVersion: monitoring.coreos.com/v1alpha1
kind: AlertmanagerConfig
metadata: {name: web, namespace: shop}
spec:
  route:
    receiver: shop-team
    activeTimeIntervals: [feb30]
  receivers:
    - name: shop-team
      webhookConfigs: [{url: "https://example.org/shop"}]
  timeIntervals:
    - name: feb30
      timeIntervals:
        - months: [february]
          daysOfMonth: [{start: 30, end: 31}]
"""
    findings = run(repo, {"hr.yaml": base, "amc.yaml": amc}, "AM020")
    assert len(findings) == 1 and findings[0].loc.path == "amc.yaml"
    assert len(run(repo, {"hr.yaml": base, "amc.yaml": amc}, "AM019")) == 1
    fixed = amc.replace("{start: 30, end: 31}", "{start: 1, end: 7}")
    assert run(repo, {"hr.yaml": base, "amc.yaml": fixed}, "AM020") == []


# --- AM021 ----------------------------------------------------------------------------------
def _rules(*pairs: tuple[str, str, str]) -> list:
    data = {
        "route": {"receiver": "a"},
        "receivers": [{"name": "a"}],
        "inhibit_rules": [
            {"source_matchers": [s], "target_matchers": [t], "equal": [e] if e else []} for s, t, e in pairs
        ],
    }
    return load_config(data).inhibit_rules


def test_mutual_inhibition_witness():
    r1, r2 = _rules(
        ('severity="critical"', 'severity="warning"', "alertname"),
        ('severity="warning"', 'severity="critical"', "alertname"),
    )
    a, b = _witness(r1, r2)
    assert a["severity"] == "critical" and b["severity"] == "warning"
    assert "alertname" not in a  # no matcher names it: any value, the same on both
    # one direction only
    r1, r2 = _rules(
        ('severity="critical"', 'severity="warning"', "alertname"),
        ('severity="warning"', 'severity="info"', "alertname"),
    )
    assert _witness(r1, r2) is None
    # equal labels that the two sides pin to different values: never the same alert group
    r1, r2 = _rules(('team="a"', 'team="b"', "team"), ('team="b"', 'team="a"', "team"))
    assert _witness(r1, r2) is None
    # the two-sided exclusion: a source matching both sides never inhibits a target matching both
    r1, r2 = _rules(('severity=~".+"', 'severity=~".+"', ""), ('severity=~".+"', 'severity=~".+"', ""))
    assert _witness(r1, r2) is None


def test_mutual_inhibition_rule(repo):
    inhibit = (
        "inhibit_rules:\n"
        '  - source_matchers: [severity="critical"]\n    target_matchers: [severity="warning"]\n'
        "    equal: [namespace]\n"
        '  - source_matchers: [alertname="NodeDown"]\n    target_matchers: [severity="critical"]\n'
        "    equal: [namespace]\n"
    )
    # a NodeDown warning mutes the criticals of its namespace, which mute it back
    findings = run(repo, {"alertmanager.yml": _cfg(inhibit)}, "AM021")
    assert len(findings) == 1 and findings[0].loc.line == 7 and findings[0].severity is Severity.WARNING
    assert "inhibit rules 1 and 2 inhibit each other" in findings[0].message
    assert '{alertname="NodeDown", severity="warning"}' in findings[0].message
    one_way = inhibit.replace('alertname="NodeDown"]', 'alertname="NodeDown", severity="critical"]')
    assert run(repo, {"alertmanager.yml": _cfg(one_way)}, "AM021") == []
    # the chart's InfoInhibitor rules (a rule without source matchers) are deliberate
    assert run(repo, {"hr.yaml": am("route: {receiver: team}\n" + RECEIVERS)}, "AM021") == []


# --- AM022 ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("line", "read"),
    [
        ("instance=~db-[0-9]{2}", 'instance=~"db-[0-9]{2"'),
        ('a="b", job=x}', 'job="x"'),
        ('{a="b"}', None),
        ('a="b"}', None),  # a stray brace after a quoted value: the value is intact
        ('a="b",}', None),
        ('a="x}"', None),
        ("a=b", None),
    ],
)
def test_stripped_brace(line, read):
    assert stripped_brace(line) == read
    if read is not None:
        assert str(parse_matchers(line)[-1]) == read  # what the classic parser (Alertmanager's) reads


def test_matcher_trailing_brace_rule(repo):
    cfg = _cfg(
        "  routes:\n    - receiver: pager\n      matchers:\n        - instance=~db-[0-9]{2}\n"
        "inhibit_rules:\n  - source_matchers:\n      - severity=critical}\n"
        "    target_matchers: ['severity=\"warning\"']\n"
    )
    findings = run(repo, {"alertmanager.yml": cfg}, "AM022")
    assert [f.loc.line for f in findings] == [6, 9]
    assert 'reads instance=~"db-[0-9]{2"' in findings[0].message
    quoted = cfg.replace("instance=~db-[0-9]{2}", "'instance=~\"db-[0-9]{2}\"'").replace(
        "severity=critical}", "severity=critical"
    )
    assert run(repo, {"alertmanager.yml": quoted}, "AM022") == []


def test_mutual_inhibition_is_not_reported_when_no_defined_alert_fits(repo):
    inhibit = (
        "inhibit_rules:\n"
        '  - source_matchers: [severity="critical"]\n    target_matchers: [severity="warning"]\n'
        "    equal: [namespace]\n"
        '  - source_matchers: [alertname="AppSlow"]\n    target_matchers: [severity="critical"]\n'
        "    equal: [namespace]\n"
    )
    files = {"hr.yaml": am("route: {receiver: team}\n" + inhibit + RECEIVERS), "rules.yaml": RULES}
    assert len(run(repo, files, "AM021")) == 1  # AppSlow is a warning: it and the criticals mute each other
    files["hr.yaml"] = files["hr.yaml"].replace('alertname="AppSlow"', 'alertname="AppDown"')
    assert run(repo, files, "AM021") == []  # AppDown is critical only: never a warning target of rule 1
    routed_to_null = 'route:\n  receiver: team\n  routes: [{matchers: [alertname="AppSlow"], receiver: "null"}]\n'
    files["hr.yaml"] = am(routed_to_null + inhibit + RECEIVERS)
    assert run(repo, files, "AM021") == []  # muting AppSlow loses nothing: it is never notified
