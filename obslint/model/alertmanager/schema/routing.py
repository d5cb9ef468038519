"""`route`, `inhibit_rules`, `time_intervals` / `mute_time_intervals`: Route, InhibitRule,
MuteTimeInterval / TimeInterval in config/config.go and timeinterval/timeinterval.go (v0.25.0 … v0.30.0).

The values of these sections (matchers, regexes, durations, names) are checked where obslint builds the
route tree (obslint.routing.load_config) and the time intervals (obslint.timeintervals); here only their
keys are."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from obslint.model.alertmanager.schema.base import Section


class Route(Section):
    what = "route"
    shape_checked_elsewhere = True
    receiver: Any = None
    group_by: Any = None
    match: Any = None
    match_re: Any = None
    matchers: Any = None
    continue_: Any = Field(default=None, alias="continue")
    routes: list[Route] | None = None
    group_wait: Any = None
    group_interval: Any = None
    repeat_interval: Any = None
    mute_time_intervals: Any = None
    active_time_intervals: Any = None


class InhibitRule(Section):
    what = "inhibit rule"
    shape_checked_elsewhere = True
    source_match: Any = None
    source_match_re: Any = None
    source_matchers: Any = None
    target_match: Any = None
    target_match_re: Any = None
    target_matchers: Any = None
    equal: Any = None


class TimeRange(Section):
    what = "time range"
    shape_checked_elsewhere = True
    start_time: Any = None
    end_time: Any = None


class TimeSpec(Section):
    """One entry of a time interval's `time_intervals` (timeinterval.TimeInterval)."""

    what = "time interval"
    shape_checked_elsewhere = True
    times: list[TimeRange] | None = None
    weekdays: Any = None
    days_of_month: Any = None
    months: Any = None
    years: Any = None
    location: Any = None


class TimeInterval(Section):
    what = "time interval"
    shape_checked_elsewhere = True
    name: Any = None
    time_intervals: list[TimeSpec] | None = None
