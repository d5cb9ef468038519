"""The native check against amtool check-config (0.25) over the upstream fixtures: on every fixture that
uses only keys amtool's release knows, both agree on valid or invalid."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from obslint.model.alertmanager.schema import INVALID, MISSING, TOO_NEW, UNKNOWN, validate
from obslint.routing import load_config
from tests.conftest import ROOT, require_tool

FIXTURES = sorted((ROOT / "tests" / "data" / "alertmanager").glob("testdata*/*.yml"))
AMTOOL_RELEASE = (0, 25)


def native_verdict(path: Path) -> tuple[bool, list[str]] | None:
    """(valid, problems) as obslint sees the file for Alertmanager 0.25; None when the file uses keys of a
    newer release (amtool 0.25 cannot judge those)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    problems = validate(data, AMTOOL_RELEASE, "amtool 0.25")
    if any(p.kind == TOO_NEW for p in problems):
        return None
    found = [p.text() for p in problems if p.kind in (UNKNOWN, INVALID, MISSING)]
    found += [p.message for p in load_config(data).problems]
    return not found, found


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_native_agrees_with_amtool(path):
    amtool = require_tool("amtool")
    verdict = native_verdict(path)
    if verdict is None:
        pytest.skip("uses keys newer than amtool 0.25")
    run = subprocess.run([amtool, "check-config", str(path)], capture_output=True, text=True, timeout=60)
    output = run.stdout + run.stderr
    if "not found in type" in output and verdict[0]:
        pytest.skip("amtool's build knows fewer http_config keys than its release (distribution build)")
    assert (run.returncode == 0) == verdict[0], (output, verdict[1])


def test_fixtures_are_there():
    assert len(FIXTURES) > 60


EXPECTED = yaml.safe_load((ROOT / "tests" / "data" / "alertmanager" / "fixtures_expected.yaml").read_text())["fixtures"]
# Checks of releases after 0.30 that the schema does not describe in depth (its fields are accepted whole).
AFTER_030 = {"conf.mattermost-no-webhook-url.yml", "conf.slack-update-message-and-webhook.yml"}


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_native_agrees_with_upstream_tests(path):
    """valid/invalid as upstream's config_test.go expects, for v0.30.0's fixtures at 0.30 and for the newer
    ones with the release unknown."""
    expected = EXPECTED[path.name]
    if path.parent.name == "testdata" and path.name in AFTER_030:
        pytest.skip("a check of a release after 0.30")
    release = (0, 30) if path.parent.name == "testdata-v0.30.0" else None
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    problems = [p.text() for p in validate(data, release, "x") if p.certain or p.kind == TOO_NEW]
    problems += [p.message for p in load_config(data).problems]
    assert (not problems) == expected["valid"], (problems, expected.get("error"))
