"""Unit parsers: Prometheus durations and byte sizes, Go durations, Kubernetes quantities."""

from fractions import Fraction

import pytest

from obslint.units import (
    DAY,
    HOUR,
    UnitError,
    format_bytes,
    format_duration,
    parse_bytes_any,
    parse_duration,
    parse_go_duration,
    parse_prom_bytes,
    parse_prom_duration,
    parse_quantity,
    quantity_bytes,
    try_duration,
    try_prom_bytes,
    try_quantity_bytes,
)

GI = 1024**3


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("0", 0),
        (0, 0),
        ("0s", 0),
        ("15d", 15 * DAY),
        ("1y", 365 * DAY),
        ("2w", 14 * DAY),
        ("1y2w3d4h5m6s7ms", 365 * DAY + 14 * DAY + 3 * DAY + 4 * HOUR + 5 * 60 + 6 + 0.007),
        ("168h", 7 * DAY),
        ("90m", 5400),
        ("500ms", 0.5),
        ("120h", 5 * DAY),
    ],
)
def test_prom_duration_valid(text, seconds):
    assert parse_prom_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "text", ["", "d", "1.5h", "1d1d", "1h1d", "10", "-1d", "1 d", "1D", "1mo", None, True, 1.5, "7days"]
)
def test_prom_duration_invalid(text):
    with pytest.raises(UnitError):
        parse_prom_duration(text)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1h30m", 5400),
        ("1.5h", 5400),
        ("300ms", 0.3),
        ("-2s", -2),
        ("0", 0),
        ("2h45m10.5s", 2 * HOUR + 45 * 60 + 10.5),
        ("1us", 1e-6),
        ("10µs", 1e-5),
        (".5s", 0.5),
    ],
)
def test_go_duration_valid(text, seconds):
    assert parse_go_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "-", "1d", "10", "1h 30m", "h", "1x", None, False])
def test_go_duration_invalid(text):
    with pytest.raises(UnitError):
        parse_go_duration(text)


def test_duration_accepts_both_forms():
    assert parse_duration("7d") == 7 * DAY
    assert parse_duration("1.5h") == 1.5 * HOUR
    assert parse_duration("744h") == 31 * DAY
    assert try_duration("1.5h", strict_prometheus=True) is None
    assert try_duration("forever") is None
    with pytest.raises(UnitError):
        parse_duration("7 days")


def test_format_duration():
    assert format_duration(7 * DAY) == "1w"
    assert format_duration(10 * DAY) == "1w3d"
    assert format_duration(36 * HOUR) == "1d12h"
    assert format_duration(0) == "0s"
    assert format_duration(0.25) == "250ms"
    assert format_duration(-60) == "-1m"
    for text in ("1y2w3d4h5m6s7ms", "5m", "30d"):
        assert parse_prom_duration(format_duration(parse_prom_duration(text))) == pytest.approx(
            parse_prom_duration(text)
        )


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("512MB", 512 * 1024**2),
        ("1KB", 1024),
        ("1KiB", 1024),
        ("50GiB", 50 * GI),
        ("50GB", 50 * GI),
        ("1.5GB", int(1.5 * GI)),
        ("10TB", 10 * 1024**4),
        ("1PB", 1024**5),
        ("1EB", 1024**6),
        ("100B", 100),
        ("0", 0),
        (0, 0),
        (".5GB", GI // 2),
    ],
)
def test_prom_bytes_valid(text, value):
    assert parse_prom_bytes(text) == value


@pytest.mark.parametrize("text", ["", "512", 512, "10Gi", "10G", "10gb", "10 GB", "GB", "1ZB", "-1GB", None, True])
def test_prom_bytes_invalid(text):
    with pytest.raises(UnitError):
        parse_prom_bytes(text)
    assert try_prom_bytes(text) is None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("10Gi", Fraction(10 * GI)),
        ("500M", Fraction(500 * 10**6)),
        ("1e3", Fraction(1000)),
        ("1E3", Fraction(1000)),
        ("2e-2", Fraction(2, 100)),
        ("100m", Fraction(1, 10)),
        ("1.5Ti", Fraction(3, 2) * 1024**4),
        ("5k", Fraction(5000)),
        ("7", Fraction(7)),
        (7, Fraction(7)),
        (0.5, Fraction(1, 2)),
        ("+1Ki", Fraction(1024)),
        ("-1G", Fraction(-(10**9))),
        ("250u", Fraction(250, 10**6)),
        ("3n", Fraction(3, 10**9)),
        ("1Ei", Fraction(1024**6)),
        ("2P", Fraction(2 * 10**15)),
    ],
)
def test_quantity_valid(text, value):
    assert parse_quantity(text) == value


@pytest.mark.parametrize("text", ["", "10GB", "10gi", "10 Gi", "Gi", "1K", "1.2.3", "e3", None, True, [], "10Gii"])
def test_quantity_invalid(text):
    with pytest.raises(UnitError):
        parse_quantity(text)
    assert try_quantity_bytes(text) is None


def test_quantity_bytes_rounds_up():
    assert quantity_bytes("10Gi") == 10 * GI
    assert quantity_bytes("100m") == 1
    assert quantity_bytes("1500m") == 2
    assert quantity_bytes("1e3") == 1000


def test_bytes_any_and_format():
    assert parse_bytes_any("2GB") == 2 * GI
    assert parse_bytes_any("2Gi") == 2 * GI
    assert parse_bytes_any("2G") == 2 * 10**9
    assert parse_bytes_any(1024) == 1024
    assert format_bytes(10 * GI) == "10Gi"
    assert format_bytes(1.5 * GI) == "1.5Gi"
    assert format_bytes(512 * 1024**2) == "512Mi"
    assert format_bytes(100) == "100"


def test_quantity_exponent_versus_exa_suffix():
    assert parse_quantity("1E") == Fraction(10**18)
    assert parse_quantity("1E3") == Fraction(1000)
    assert parse_quantity("1e0") == Fraction(1)
    with pytest.raises(UnitError):
        parse_quantity("1e")
