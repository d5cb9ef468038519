"""obslint.model.promql_series: when two PromQL expressions can never return the same series."""

from __future__ import annotations

import pytest

from obslint.model.promql_series import disjoint

MEM = "(1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes) * 100 > 90"


@pytest.mark.parametrize(
    "a, b",
    [
        ('x{mount!="/data"} > 90', 'x{mount="/data"} > 99'),
        ('x{env="prod"} > 1', 'x{env=~"dev|stage"} > 1'),
        ('absent(up{job="a"})', 'up{job="a"} == 0'),
        ("x and on(i) y", "x unless on(i) y"),
        ("x * on() group_left y > 1", "x unless on() y"),
        ("x > 1 unless on(i) y", "x and on(i, j) y"),
        (MEM + " unless on(instance) zfs", "(" + MEM + ") * on(instance) group_left() zfs"),
        ('sum by (job) (x{job="a"}) > 1', 'sum by (job) (x{job="b"}) > 1'),
        ('x{a="1"} > 0 or y{a="1"}', 'x{a="2"}'),
        ('(x{a="1"} > 0) * on(i) group_left(b) y', 'x{a="2"}'),
    ],
)
def test_disjoint(a, b):
    assert disjoint(a, b) is not None
    assert disjoint(b, a) is not None


@pytest.mark.parametrize(
    "a, b",
    [
        ("up == 0", "up == 0"),
        ('sum(x{mount!="/data"}) > 90', 'sum(x{mount="/data"}) > 99'),  # partition aggregated away
        ('x unless on(i) y{l!="v"}', 'x{l="v"}'),  # the matcher belongs to the excluded side
        ("rate(x[5m]) > 0", "absent(x)"),  # a range reads the past
        ("x > 1 unless on(i) y", "sum by (j) (x) > 1 and on(j) y"),  # j says nothing about i
        ("x > 1 unless on(i, j) y", "x and on(i) y"),  # a y with the same i may differ in j
        ('x{env="prod"} > 1', 'x{env=~"pro.*"} > 1'),
        ('label_replace(x{a="1"}, "a", "2", "", "") > 0', 'x{a="2"}'),
        ('x{a="1"} > 0 or y{a="3"}', 'x{a="2"}'),
        ('x{a="1"} + fill(0) y', 'x{a="2"}'),  # fill() makes either side optional
        ("x unless y offset 1h", "x and y"),  # another time
        ('(x{a="1"} > 0) * on(i) group_left(a) y', 'x{a="2"}'),  # group_left overwrites a
    ],
)
def test_not_disjoint(a, b):
    assert disjoint(a, b) is None
    assert disjoint(b, a) is None


def test_overridden_labels_do_not_partition():
    assert disjoint('x{team="a"} > 1', 'x{team="b"} > 1') is not None
    assert disjoint('x{team="a"} > 1', 'x{team="b"} > 1', overridden=["team"]) is None
    assert disjoint("x and on(team) y", "x unless on(team) y", overridden=["team"]) is None
