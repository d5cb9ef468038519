"""Regular-expression denial of service: Go regexps from the checked repository (Alertmanager
matchers, `.sops.yaml` path_regex) are matched by RE2 in time linear in the text, so patterns on
which a backtracking engine takes exponential time answer at once, and answer what Go answers."""

from __future__ import annotations

import itertools
import signal
from pathlib import Path

import pytest
import yaml

from obslint.cli import main
from obslint.config import Config
from obslint.goregex import UnsupportedGoRegex, compile_go
from obslint.index import Index
from obslint.load import load_tree
from obslint.model.sops import rule_coverage, sops_configs
from obslint.routing import build_route, load_config
from obslint.tools import run_tool
from tests.conftest import check, require_tool
from tests.secrets.helpers import RECIPIENT

HANG_GUARD_S = 10
LONG = "a" * 40  # (a|a)*b tries 2**40 paths on it with a backtracking engine


@pytest.fixture(autouse=True)
def hang_guard():
    """Fail instead of hanging the run when a case has not finished after 10 s. A guard, not a
    timing assertion: with RE2 each case takes milliseconds, with backtracking years. Python's re
    checks for signals while it matches, so the alarm stops a backtracking engine too; it fires
    again every second, as the linter may catch the error and go on to match the next file."""
    fired: list[int] = []

    def expire(signum, frame):
        fired.append(signum)
        raise TimeoutError(f"still matching after {HANG_GUARD_S} s: the regex engine backtracks")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, HANG_GUARD_S, 1.0)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert not fired, f"the hang guard fired {len(fired)} times"


# --- Alertmanager -------------------------------------------------------------------------------
AM_CONFIG = {
    "route": {
        "receiver": "default",
        "routes": [
            {"receiver": "alternation", "matchers": ['alertname=~"(a|a)*b"']},
            {"receiver": "legacy", "match_re": {"alertname": "(a|aa)*c"}},
            {"receiver": "counted", "matchers": ['job=~"(.*a){20}"']},
        ],
    },
    "receivers": [{"name": n} for n in ("default", "alternation", "legacy", "counted")],
}


@pytest.mark.parametrize(
    ("labels", "receivers"),
    [
        ({"alertname": LONG}, ["default"]),
        ({"alertname": LONG + "b"}, ["alternation"]),
        ({"alertname": "a" * 5000 + "c"}, ["legacy"]),
        ({"alertname": "a" * 5000}, ["default"]),
        ({"job": "a" * 19 + "b" * 30}, ["default"]),
        ({"job": "ba" * 20}, ["counted"]),
    ],
)
def test_alertmanager_route_tree_with_backtracking_matchers(labels, receivers):
    config = load_config(AM_CONFIG)
    assert config.route is not None and not config.route.unsupported and not config.problems
    assert [r.receiver for r in config.route.match(labels)] == receivers


def test_routes_test_command_on_a_backtracking_matcher(tmp_path: Path, capsys):
    path = tmp_path / "alertmanager.yml"
    path.write_text(yaml.safe_dump(AM_CONFIG))
    assert main(["routes", "test", str(path), f"alertname={LONG}"]) == 0
    assert capsys.readouterr().out.strip() == "default"
    assert main(["routes", "test", str(path), f"alertname={LONG}b"]) == 0
    assert capsys.readouterr().out.strip() == "alternation"


def test_amtool_agrees_on_the_backtracking_matchers(tmp_path: Path):
    """Go's regexp (amtool) routes the same values the same way: the answer is Go's, not a guess."""
    amtool = require_tool("amtool")
    path = tmp_path / "alertmanager.yml"
    path.write_text(yaml.safe_dump(AM_CONFIG))
    root = build_route(AM_CONFIG["route"])
    for labels in ({"alertname": LONG}, {"alertname": LONG + "b"}, {"alertname": "aaac"}, {"job": "ba" * 20}):
        argv = [f"{k}={v}" for k, v in labels.items()]
        res = run_tool([amtool, "config", "routes", "test", f"--config.file={path}", *argv], timeout=30)
        assert res.returncode == 0, res.stderr
        assert res.stdout.strip() == ",".join(r.receiver for r in root.match(labels)), labels


# --- sops ---------------------------------------------------------------------------------------
SOPS_CONFIG = f"creation_rules:\n  - path_regex: (a|a)*b\n    age: {RECIPIENT}\n"
LONG_NAME = "a" * 200 + ".yaml"  # searched from each of its 200 positions


def test_sops_path_regex_that_backtracks(tmp_path: Path):
    (tmp_path / ".sops.yaml").write_text(SOPS_CONFIG)
    (tmp_path / "clusters").mkdir()
    (tmp_path / "clusters" / LONG_NAME).write_text("a: 1\n")
    (tmp_path / "clusters" / (LONG + "b.yaml")).write_text("a: 1\n")
    index = Index.build(load_tree(str(tmp_path)), Config())
    (config,) = sops_configs(index)
    (rule,) = config.rules
    assert rule.regex_problem is None
    assert config.rule_for(f"clusters/{LONG_NAME}") is None
    assert config.rule_for(f"clusters/{LONG}b.yaml") is rule
    assert rule_coverage(index)[config].matched[0] == [f"clusters/{LONG}b.yaml"]


def test_sops_rules_run_on_a_path_regex_that_backtracks(repo):
    """The whole check, SEC rules reading the creation rule: the file the rule takes is reported
    as not encrypted, the other is not taken."""
    root = repo({".sops.yaml": SOPS_CONFIG, f"x/{LONG_NAME}": "a: 1\n", f"x/{LONG}b.sops.yaml": "secret: clear\n"})
    result = check(root, select=["SEC"])
    taken = [f for f in result.findings if f.rule == "SEC002"]
    assert [f.loc.path for f in taken] == [f"x/{LONG}b.sops.yaml"]


# --- equivalence --------------------------------------------------------------------------------
# Each pathological pattern and a plain pattern that means the same: they agree on every string
# over their alphabet up to length 8, and on long ones.
EQUIVALENT = [
    ("(a|a)*b", "a*b", "ab"),
    ("(a|aa)*c", "a*c", "ac"),
    ("(a+)+", "a+", "ab"),
    ("(a*)*b", "a*b", "ab"),
    ("(.*a){3}", ".*a.*a.*a", "ab\n"),
    ("(a|b|ab)*c", "[ab]*c", "abc"),
    ("((?i)a|A)*b", "(?i:a)*b", "aAb"),
]


@pytest.mark.parametrize(("pathological", "plain", "alphabet"), EQUIVALENT)
@pytest.mark.parametrize("anchored", [True, False])
def test_pathological_patterns_mean_what_their_plain_forms_mean(pathological, plain, alphabet, anchored):
    slow, fast = compile_go(pathological, anchored=anchored), compile_go(plain, anchored=anchored)
    texts = ["".join(t) for n in range(9) for t in itertools.product(alphabet, repeat=n)]
    texts += [c * 3000 for c in alphabet] + [alphabet * 1000, "a" * 3000 + alphabet[-1]]
    for text in texts:
        assert (slow.search(text) is None) == (fast.search(text) is None), (pathological, text[:20])


def test_patterns_written_to_be_huge_are_refused_fast_and_within_a_budget():
    """`[a-z\\pL]{400}` compiles to ~478,000 RE2 instructions (7 MB, 0.3 s): a repository repeating
    such patterns must neither exhaust memory nor time. They are declined (unknown), cheaply, and
    small patterns keep working once the run's budget is spent."""
    from obslint import goregex

    goregex.new_run()
    declined = 0
    for i in range(200):
        for size in (20, 400):
            try:
                compile_go(rf"[a-z\pL]{{{size}}}x{i}", anchored=True)
            except UnsupportedGoRegex:
                declined += 1
    assert declined >= 200  # every 400-repeat, and the 20-repeats past the budget
    assert compile_go("(foo|bar)-[0-9]+", anchored=True).fullmatch("bar-42")
    goregex.new_run()
    assert compile_go(r"[a-z\pL]{20}x0", anchored=True).fullmatch("a" * 20 + "x0")
