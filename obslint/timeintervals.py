"""Alertmanager time intervals: read, validated and reasoned about as Alertmanager evaluates them.

Source: prometheus/alertmanager timeinterval/timeinterval.go. An entry (`TimeInterval`) holds
`times`, `weekdays`, `days_of_month`, `months`, `years` and `time_zone`; `ContainsTime` matches an
instant when every field that is set has a range containing it. A field set to an empty list is
set (Go's yaml.v2 decodes `[]` to an empty, non-nil slice) and so matches nothing. A named
interval matches when one of its entries does (notify/notify.go `inTimeIntervals`). The
`UnmarshalYAML` methods refuse empty or out-of-range ranges at load time; their messages are
reproduced in `problems`.

Reasoning (`covers`): whether one set of entries holds at every instant another set holds. The
calendar repeats: a year is, for these fields, its weekday of 1 January and whether it is a leap
year (14 kinds), so every day Alertmanager can see is one of the days of these 14 years, plus
the years some entry's `years` names. Minutes are a 1440-bit mask per day. Entries in different
time zones are compared only where the zone cannot matter (an entry that never matches, a zone
whose entries alone cover every instant).

AlertmanagerConfig objects (prometheus-operator) write the same fields in camelCase
(`timeIntervals`, `startTime`/`endTime`, `daysOfMonth: [{start, end}]`); they are read too, but
their validation is the operator's and is not reported here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from obslint.routing import Problem, scalar_str

FULL_DAY = (1 << 1440) - 1
_TIME_RE = re.compile(r"^((([01][0-9])|(2[0-3])):[0-5][0-9])$|(^24:00$)")  # timeinterval.go validTime
_INT_RE = re.compile(r"^[+-]?[0-9]+$")  # strconv.Atoi
WEEKDAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)

Ranges = tuple[tuple[int, int], ...] | None  # None: the field is not set (matches everything)


@dataclass(frozen=True)
class Entry:
    """One `TimeInterval` of a named interval."""

    node: Any
    minutes: int  # mask of the minutes of a day it matches (FULL_DAY when `times` is unset)
    weekdays: Ranges
    days_of_month: Ranges
    months: Ranges
    years: Ranges
    zone: str  # "UTC" when unset

    def matches_day(self, year_members: frozenset[int], me: int, month: int, dom: int, dim: int, wd: int) -> bool:
        """ContainsTime without the time of day (`me`: this entry's index in `year_members`)."""
        if self.years is not None and me not in year_members:
            return False
        if self.months is not None and not any(b <= month <= e for b, e in self.months):
            return False
        if self.weekdays is not None and not any(b <= wd <= e for b, e in self.weekdays):
            return False
        return self.days_of_month is None or any(_dom_in(b, e, dom, dim) for b, e in self.days_of_month)


def _dom_in(b: int, e: int, dom: int, dim: int) -> bool:
    """timeinterval.go ContainsTime, days_of_month: negative days count from the month's end,
    a range starting after the month's last day is skipped, the rest clamped to the month."""
    begin = dim + b + 1 if b < 0 else b
    end = dim + e + 1 if e < 0 else e
    if begin > dim:
        return False
    begin = max(-dim, min(begin, dim))
    end = max(-dim, min(end, dim))
    return begin <= dom <= end


def minute_mask(start: int, end: int) -> int:
    return ((1 << end) - 1) ^ ((1 << start) - 1)


# --- reading --------------------------------------------------------------------------------
class _Refused(ValueError):
    pass


def _member(kind: str, text: str) -> int:
    if kind == "weekdays":
        if text not in WEEKDAYS:
            raise _Refused(f"{text} is not a valid weekday")
        return WEEKDAYS.index(text)
    if kind == "months" and text in MONTHS:
        return MONTHS.index(text) + 1
    if not _INT_RE.match(text):
        if kind == "months":
            raise _Refused(f"{text} is not a valid month")
        raise _Refused(f'strconv.Atoi: parsing "{text}": invalid syntax')
    return int(text)


def _range(kind: str, raw: Any) -> tuple[int, int]:
    """timeinterval.go stringableRangeFromString and the UnmarshalYAML checks of each range kind."""
    text = scalar_str(raw).lower()
    if ":" in text:
        parts = text.split(":")
        if len(parts) != 2:
            raise _Refused(f"couldn't parse range {text}, invalid format")
        b, e = _member(kind, parts[0]), _member(kind, parts[1])
    else:
        b = e = _member(kind, text)
    if kind == "weekdays":
        if b > e:
            raise _Refused("start day cannot be before end day")
        if not (0 <= b <= 6 and 0 <= e <= 6):
            raise _Refused(f"{text} is not a valid day of the week: out of range")
    elif kind == "days_of_month":
        for n in (b, e):
            if n == 0 or n < -31 or n > 31:
                raise _Refused(f"{n} is not a valid day of the month: out of range")
        if b < 0 < e:
            raise _Refused("end day must be negative if start day is negative")
        if (28 + b if b < 0 else b) > (28 + e if e < 0 else e):
            raise _Refused(f"end day {e} is always before start day {b}")
    elif kind == "months" and b > e:
        raise _Refused(
            f"end month {MONTHS[e - 1] if 1 <= e <= 12 else ''} is before start month "
            f"{MONTHS[b - 1] if 1 <= b <= 12 else ''}"
        )
    elif kind == "years" and b > e:
        raise _Refused(f"end year {e} is before start year {b}")
    return b, e


def _time(raw: Any) -> int:
    text = scalar_str(raw)
    if not _TIME_RE.match(text):
        raise _Refused(f"couldn't parse timestamp {text}, invalid format")
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


_CAMEL = {"daysOfMonth": "days_of_month", "timeZone": "time_zone", "startTime": "start_time", "endTime": "end_time"}


def _get(node: Mapping, key: str) -> Any:
    """node[key], or its AlertmanagerConfig (camelCase) spelling."""
    if key in node:
        return node[key]
    for camel, snake in _CAMEL.items():
        if snake == key and camel in node:
            return node[camel]
    return None


def read_entry(node: Any, problems: list[Problem]) -> Entry | None:
    """An entry, or None (with the reasons in `problems`) when Alertmanager refuses it."""
    if not isinstance(node, Mapping):
        problems.append(Problem("a time interval must be a mapping", node))
        return None
    before = len(problems)
    fields: dict[str, Ranges] = {}
    for kind in ("weekdays", "days_of_month", "months", "years"):
        raw = _get(node, kind)
        if raw is None:
            fields[kind] = None
            continue
        if not isinstance(raw, list):
            problems.append(Problem(f"{kind} must be a list", node, kind))
            continue
        out = []
        for k, item in enumerate(raw):
            try:
                if isinstance(item, Mapping):  # AlertmanagerConfig daysOfMonth: {start, end}
                    out.append(_range(kind, f"{scalar_str(item.get('start'))}:{scalar_str(item.get('end'))}"))
                else:
                    out.append(_range(kind, item))
            except _Refused as exc:
                problems.append(Problem(str(exc), raw, k))
        fields[kind] = tuple(out)
    minutes = FULL_DAY
    times = _get(node, "times")
    if times is not None:
        minutes = 0
        if not isinstance(times, list):
            problems.append(Problem("times must be a list", node, "times"))
        for k, item in enumerate(times if isinstance(times, list) else []):
            start = _get(item, "start_time") if isinstance(item, Mapping) else None
            end = _get(item, "end_time") if isinstance(item, Mapping) else None
            if start in (None, "") or end in (None, ""):
                problems.append(Problem("both start and end times must be provided", times, k))
                continue
            try:
                s, e = _time(start), _time(end)
                if s >= e:
                    raise _Refused("start time cannot be equal or greater than end time")
            except _Refused as exc:
                problems.append(Problem(str(exc), times, k))
                continue
            minutes |= minute_mask(s, e)
    if len(problems) > before:
        return None
    zone = _get(node, "time_zone")
    return Entry(node, minutes, zone=scalar_str(zone) if zone not in (None, "") else "UTC", **fields)


def entries_of(named: Any, problems: list[Problem] | None = None) -> list[Entry] | None:
    """The entries of a named interval (`{name, time_intervals: [...]}`); None when one of them
    is refused (Alertmanager does not load the config, so nothing can be said of its timing)."""
    sink: list[Problem] = [] if problems is None else problems
    if not isinstance(named, Mapping):
        return None
    raw = _get(named, "time_intervals")
    if raw is None:
        raw = named.get("timeIntervals")
    if raw is None:
        return []
    if not isinstance(raw, list):
        sink.append(Problem("time_intervals must be a list", named, "time_intervals"))
        return None
    before = len(sink)
    out = []
    for k, item in enumerate(raw):
        if not isinstance(item, Mapping):
            sink.append(Problem("a time interval must be a mapping", raw, k))  # positioned at the item
            continue
        entry = read_entry(item, sink)
        if entry is not None:
            out.append(entry)
    return None if len(sink) > before else out


# --- reasoning ------------------------------------------------------------------------------
_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
MAX_YEAR_SPAN = 4000  # beyond it the year ranges are not enumerated (the answer is unknown)


def _jan1_weekday(year: int) -> int:
    """Weekday of 1 January (0 = Sunday) in the proleptic Gregorian calendar Go uses (Gauss)."""
    y = year - 1
    return (1 + 5 * (y % 4) + 4 * (y % 100) + 6 * (y % 400)) % 7


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _year_kinds(entries: list[Entry]) -> set[tuple[int, bool, frozenset[int]]] | None:
    """(weekday of 1 January, leap, indexes of the entries whose `years` hold it) of every kind of
    year: years no range names are infinitely many and of all 14 kinds."""
    kinds = {(wd, leap, frozenset[int]()) for wd in range(7) for leap in (False, True)}
    ranged = [(k, e.years) for k, e in enumerate(entries) if e.years]
    if not ranged:
        return kinds
    lo = min(b for _, ys in ranged for b, _ in ys)
    hi = max(e for _, ys in ranged for _, e in ys)
    if hi - lo > MAX_YEAR_SPAN:
        return None
    for year in range(lo, hi + 1):
        members = frozenset(k for k, ys in ranged if any(b <= year <= e for b, e in ys))
        if members:
            kinds.add((_jan1_weekday(year), _leap(year), members))
    return kinds


def _days(entries: list[Entry]) -> Iterable[list[bool]] | None:
    """For every kind of day, which entries match it (the time of day aside)."""
    kinds = _year_kinds(entries)
    if kinds is None:
        return None
    seen: set[tuple[bool, ...]] = set()
    for wd0, leap, members in kinds:
        wd = wd0
        for month, dim in enumerate(_MONTH_DAYS, start=1):
            dim = 29 if month == 2 and leap else dim
            for dom in range(1, dim + 1):
                seen.add(tuple(e.matches_day(members, k, month, dom, dim, wd) for k, e in enumerate(entries)))
                wd = (wd + 1) % 7
    return [list(s) for s in seen]


def _covers_same_zone(active: list[Entry] | None, mute: list[Entry]) -> bool | None:
    everything = active is None
    entries = [*(active or []), *mute]
    days = _days(entries)
    if days is None:
        return None
    n_active = 0 if active is None else len(active)
    for hits in days:
        want = FULL_DAY if everything else 0
        for k in range(n_active):
            if hits[k]:
                want |= entries[k].minutes
        have = 0
        for k in range(n_active, len(entries)):
            if hits[k]:
                have |= entries[k].minutes
        if want & ~have:
            return False
    return True


def never_matches(entries: list[Entry]) -> bool | None:
    """No instant matches any of the entries (None: unknown)."""
    results = [_covers_same_zone([e], []) for e in entries]
    if all(r is True for r in results):
        return True
    return False if all(r is not None for r in results) else None


def covers(active: list[Entry] | None, mute: list[Entry]) -> bool | None:
    """At every instant some `active` entry matches (every instant when `active` is None), some
    `mute` entry matches too. None when unknown (time zones that differ, years too far apart)."""
    if active is not None and never_matches(active):
        return True
    zones = {e.zone for e in [*(active or []), *mute]}
    if len(zones) <= 1:
        return _covers_same_zone(active, mute)
    # several zones: only a zone whose mute entries alone match every instant decides it
    for zone in {e.zone for e in mute}:
        if _covers_same_zone(None, [e for e in mute if e.zone == zone]):
            return True
    return None
