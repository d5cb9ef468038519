"""obslint.suggest: did-you-mean suggestions."""

from obslint.suggest import closest, did_you_mean


def test_closest():
    assert closest("sumamry", ["summary", "description"]) == ["summary"]
    assert closest("Summary", ["summary"]) == ["summary"]
    assert closest("retentionsize", ["retention", "retentionSize"]) == ["retentionSize"]
    assert closest("team", ["summary", "description"]) == []
    assert closest("x", []) == []


def test_did_you_mean():
    assert did_you_mean("pusover", ["pushover", "null"]) == " (did you mean pushover?)"
    assert did_you_mean("pushover", ["pushover"]) == ""
    assert did_you_mean("slack", ["pushover"]) == ""
