"""The routing engine against Alertmanager's own cases and against amtool on random trees."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from obslint.goregex import UnsupportedGoRegex
from obslint.routing import (
    Matcher,
    MatcherError,
    build_route,
    compile_regex,
    format_duration,
    implies,
    load_config,
    parse_duration,
    parse_matcher,
    parse_matchers,
    scalar_str,
    unsatisfiable,
)
from obslint.tools import run_tool
from tests.conftest import DATA, require_tool

FIXTURES = DATA / "alertmanager"


def _routes_cases() -> dict:
    return yaml.safe_load((FIXTURES / "routes_cases.yaml").read_text())


def _version_ok(case: dict) -> bool:
    # The engine follows Alertmanager 0.25-0.30 (amtool 0.25 is the oracle; kube-prometheus-stack
    # 80.x deploys 0.30); cases for later features are out of scope.
    return "min_alertmanager_version" not in case


def test_routes_cases_receivers_options_and_keys():
    data = _routes_cases()
    checked = 0
    for case in data["cases"]:
        if not _version_ok(case):
            continue
        root = build_route(case["config"])
        labels = {k: scalar_str(v) for k, v in case["labels"].items()}
        got = root.match(labels)
        assert [r.receiver for r in got] == case["expected_receivers"], case["id"]
        for route, exp in zip(got, case.get("expected_routes", []), strict=False):
            have = {
                "group_by": sorted(route.group_by),
                "group_by_all": route.group_by_all,
                "group_wait": format_duration(route.group_wait),
                "group_interval": format_duration(route.group_interval),
                "repeat_interval": format_duration(route.repeat_interval),
                "receiver": route.receiver,
            }
            assert {k: have[k] for k in have if k in exp} == {k: exp[k] for k in have if k in exp}, case["id"]
        for route, key in zip(got, case.get("expected_route_keys") or [], strict=False):
            assert route.key() == key, case["id"]
        checked += 1
    assert checked >= 40


def test_walk_case():
    for case in _routes_cases()["walk_cases"]:
        root = build_route(case["config"])
        assert [r.receiver for r in root.walk()] == case["expected_walk_receivers"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('foo="bar"', ("foo", "=", "bar")),
        ("foo=bar", ("foo", "=", "bar")),
        ('  foo  !=  "b a r"  ', ("foo", "!=", "b a r")),
        ('foo=~"a|b"', ("foo", "=~", "a|b")),
        ('foo!~"x.*"', ("foo", "!~", "x.*")),
        (r'foo="a\"b"', ("foo", "=", 'a"b')),
        (r'foo="a\\b"', ("foo", "=", "a\\b")),
        (r'foo="a\nb"', ("foo", "=", "a\nb")),
        (r'foo="a\qb"', ("foo", "=", "a\\qb")),
        ("foo=", ("foo", "=", "")),
        ('foo=""', ("foo", "=", "")),
        ("foo:bar=baz", ("foo:bar", "=", "baz")),
    ],
)
def test_parse_matcher(text, expected):
    m = parse_matcher(text)
    assert (m.name, m.op, m.value) == expected


@pytest.mark.parametrize("text", ["foo", '{foo="bar"}x', 'foo="bar', 'foo=b"ar', "1foo=bar", 'foo=~"(a"', 'foo="a"b"'])
def test_parse_matcher_errors(text):
    with pytest.raises(MatcherError):
        parse_matcher(text)


def test_parse_matchers_list_braces_and_quoted_commas():
    ms = parse_matchers('{a="x,y", b=~"1|2",c!="z"}')
    assert [(m.name, m.op, m.value) for m in ms] == [("a", "=", "x,y"), ("b", "=~", "1|2"), ("c", "!=", "z")]
    assert parse_matchers("") == []
    with pytest.raises(MatcherError):
        parse_matchers("a=b,,c=d")


def test_matcher_regexes_are_anchored_go_regexes():
    """Regex semantics are tested in tests/core/test_goregex.py; here the routing contract."""
    m = Matcher.make("l", "=~", "crit.*|warn")
    assert m.matches_value("critical") and m.matches_value("warn")
    assert not m.matches_value("xcritical") and not m.matches_value("warning")
    assert Matcher.make("l", "!~", "a|b").matches({"l": "c"})
    with pytest.raises(MatcherError, match="missing closing"):
        compile_regex("(a")
    with pytest.raises(UnsupportedGoRegex):
        compile_regex(r"\p{Greek}")


def test_unsupported_regex_marks_the_route_and_inhibit_rule():
    route = build_route({"receiver": "a", "matchers": ['l=~"\\p{Greek}"'], "match_re": {"m": "\\p{Han}+"}})
    assert route.unsupported and route.matchers == []
    messages = sorted(p.message for p in route.problems)
    assert messages[0].startswith("matcher ") and "Greek" in messages[0]
    assert messages[1].startswith("regex of m: Unicode class") and "Han" in messages[1]
    cfg = load_config(
        {
            "route": {"receiver": "a"},
            "receivers": [{"name": "a"}],
            "inhibit_rules": [{"source_matchers": ['l=~"\\p{Greek}"'], "target_match": {"x": "y"}}],
        }
    )
    assert cfg.inhibit_rules[0].unsupported


def test_durations():
    assert parse_duration("1h30m") == 5_400_000
    assert format_duration(parse_duration("90m")) == "1h30m"
    assert parse_duration("0") == 0
    assert parse_duration("5 m") is None
    assert parse_duration(None) is None


def test_load_config_errors_match_alertmanager_texts():
    cfg = load_config(
        {
            "route": {
                "receiver": "a",
                "continue": True,
                "routes": [{"receiver": "nope", "mute_time_intervals": ["bh"], "group_by": ["x", "x"]}],
            },
            "receivers": [{"name": "a"}, {"name": "a"}],
        }
    )
    messages = {p.message for p in cfg.problems}
    assert 'undefined receiver "nope" used in route' in messages
    assert 'undefined time interval "bh" used in route' in messages
    assert "cannot have continue in root route" in messages
    assert 'notification config name "a" is not unique' in messages
    assert 'duplicated label "x" in group_by' in messages
    assert {p.message for p in load_config({"receivers": []}).problems} == {"no routes provided"}
    assert "root route must specify a default receiver" in {p.message for p in load_config({"route": {}}).problems}


def test_implies_is_sound_on_examples():
    def ms(text):
        return parse_matchers(text)

    assert implies(ms('severity="critical",team="a"'), ms('severity="critical"'))
    assert implies(ms('severity="critical"'), ms('severity=~"critical|warning"'))
    assert implies(ms('severity=~"critical|warning"'), ms('severity!="info"'))
    assert implies(ms('x="1"'), ms('y=~".*"'))
    assert not implies(ms('severity="critical"'), ms('team="a"'))
    assert not implies(ms('severity=~"crit.*"'), ms('severity="critical"'))
    assert not implies(ms('severity!="info"'), ms('severity="critical"'))
    assert not implies([], ms('severity!="info"'))
    assert unsatisfiable(ms('severity="critical",severity="warning"'))
    assert unsatisfiable(ms('severity=~"critical|warning",severity="info"'))
    assert unsatisfiable(ms('severity="critical",severity!="critical"'))
    assert not unsatisfiable(ms('severity=~"critical|warning",severity!="warning"'))
    assert not unsatisfiable(ms('severity=~"crit.*",severity!="critical"'))


# --- differential test against amtool ------------------------------------------------------
NAMES = ["severity", "team", "env", "alertname"]
VALUES = ["critical", "warning", "a", "b", "A", "", "1", "x y", 'q"t', "a.b", "10"]
REGEXES = [
    "crit.*",
    "critical|warning",
    "a|b",
    "(?i)a",
    "[0-9]+",
    "[[:alpha:]]+",
    ".*",
    ".+",
    "a$",
    r"\d",
    r"\w+",
    "a{,2}",
    "x y",
    r"a\.b",
    r"\Qa.b\E",
    "warn(ing)?",
    "",
    "1|10",
]


def _quote(v: str) -> str:
    return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _random_matchers(rng: random.Random) -> dict:
    out: dict = {}
    style = rng.random()
    k = rng.choice([0, 1, 1, 1, 2])
    if style < 0.6:
        lines = []
        for _ in range(k):
            op = rng.choice(["=", "!=", "=~", "!~"])
            value = rng.choice(REGEXES if "~" in op else VALUES)
            lines.append(f"{rng.choice(NAMES)}{op}{_quote(value)}")
        if lines:
            out["matchers"] = lines
    else:
        for _ in range(k):
            if rng.random() < 0.5:
                out.setdefault("match", {})[rng.choice(NAMES)] = rng.choice([v for v in VALUES if v])
            else:
                out.setdefault("match_re", {})[rng.choice(NAMES)] = rng.choice([r for r in REGEXES if r])
    return out


def _random_route(rng: random.Random, depth: int, receivers: list[str]) -> dict:
    node = _random_matchers(rng)
    if rng.random() < 0.6:
        node["receiver"] = rng.choice(receivers)
    if rng.random() < 0.3:
        node["continue"] = True
    if depth < 3 and rng.random() < 0.7:
        node["routes"] = [_random_route(rng, depth + 1, receivers) for _ in range(rng.randint(1, 3))]
    return node


def _random_labels(rng: random.Random) -> dict[str, str]:
    return {n: rng.choice([v for v in VALUES if v]) for n in NAMES if rng.random() < 0.6}


@pytest.mark.slow
def test_random_trees_agree_with_amtool(tmp_path: Path):
    amtool = require_tool("amtool")
    rng = random.Random(20240611)
    receivers = [f"r{i}" for i in range(5)]
    jobs = []
    for t in range(100):
        root = {"receiver": "default", "routes": [_random_route(rng, 1, receivers) for _ in range(rng.randint(1, 4))]}
        config = {"route": root, "receivers": [{"name": n} for n in ["default", *receivers]]}
        path = tmp_path / f"am{t}.yml"
        path.write_text(yaml.safe_dump(config, sort_keys=False))
        loaded = load_config(config)
        assert not loaded.problems, loaded.problems
        for _ in range(3):
            labels = _random_labels(rng)
            args = [f"{k}={_quote(v)}" for k, v in labels.items()]
            jobs.append((path, loaded, labels, [amtool, "config", "routes", "test", f"--config.file={path}", *args]))

    def run(job):
        return run_tool(job[3], timeout=30)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(run, jobs))
    for (path, loaded, labels, _), res in zip(jobs, results, strict=True):
        assert res.returncode == 0, (path, res.stderr)
        expected = res.stdout.strip()
        assert ",".join(loaded.routes_to(labels)) == expected, (path.read_text(), labels)


def test_upstream_fixtures_valid_ones_load_clean_route_errors_found():
    expected = yaml.safe_load((FIXTURES / "fixtures_expected.yaml").read_text())["fixtures"]
    # errors this module checks (route tree, matchers, inhibit rules); integration settings are not
    ours = {
        "conf.nil-match_re-route.yml": "invalid_label",
        "conf.nil-source_match_re-inhibition.yml": "invalid_source_label",
        "conf.nil-target_match_re-inhibition.yml": "invalid_target_label",
        "conf.inhibit-equal-utf8.yml": 'invalid label name "qux🙂" in equal list',
    }
    seen = 0
    for folder in ("testdata", "testdata-v0.30.0"):
        for path in sorted((FIXTURES / folder).glob("*.yml")):
            want = expected.get(path.name)
            if want is None:
                continue
            problems = [p.message for p in load_config(yaml.safe_load(path.read_text())).problems]
            if want["valid"]:
                assert problems == [], path
            elif path.name in ours:
                assert any(ours[path.name] in m for m in problems), (path, problems)
            seen += 1
    assert seen > 50


def test_possible_routes_exact_when_labels_known_and_sound_when_not():
    """The linter's reasoning over partially known alerts agrees with the engine."""
    from obslint.model.alertmanager import KnownAlert, can_reach, possible_routes

    rng = random.Random(99)
    for _ in range(300):
        root = build_route({"receiver": "d", "routes": [_random_route(rng, 1, ["a", "b"]) for _ in range(3)]})
        full = {n: rng.choice(VALUES) for n in NAMES}
        matched = root.match(full)
        exact = KnownAlert("x", dict(full), frozenset(), "rule", None)
        assert {id(r) for r in possible_routes(root, exact)} == {id(r) for r in matched}
        for r in matched:
            assert can_reach(r, exact)
        known = {k: v for k, v in full.items() if rng.random() < 0.5}
        partial = KnownAlert("x", known, frozenset(), "rule", None)
        possible = {id(r) for r in possible_routes(root, partial)}
        assert {id(r) for r in matched} <= possible
        assert all(can_reach(r, partial) for r in matched)


def test_implies_and_unsatisfiable_are_sound_on_random_sets():
    rng = random.Random(5)
    label_sets = [{n: rng.choice(VALUES) for n in NAMES if rng.random() < 0.7} for _ in range(400)]
    label_sets += [{"severity": v} for v in VALUES] + [{}]
    claimed_implies = claimed_unsat = 0
    for _ in range(1500):
        a = _random_matchers(rng)
        b = _random_matchers(rng)
        ma = build_route({"receiver": "x", **a}).matchers
        mb = build_route({"receiver": "x", **b}).matchers
        if implies(mb, ma):
            claimed_implies += 1
            for ls in label_sets:
                if all(m.matches(ls) for m in mb):
                    assert all(m.matches(ls) for m in ma), (mb, ma, ls)
        if unsatisfiable(ma + mb):
            claimed_unsat += 1
            assert not any(all(m.matches(ls) for m in ma + mb) for ls in label_sets), (ma, mb)
    assert claimed_implies > 50 and claimed_unsat > 10


def test_grouped_alerts_route_alike():
    """group_alerts: every member of a group gets the same verdict from every matcher of the tree,
    so the same possible routes as its representative (the routing rules only route that one)."""
    from obslint.model.alertmanager import KnownAlert, group_alerts, matcher_verdict, possible_routes, tree_matchers

    rng = random.Random(7)
    for _ in range(200):
        root = build_route({"receiver": "d", "routes": [_random_route(rng, 1, ["a", "b"]) for _ in range(3)]})
        alerts = []
        for i in range(40):
            labels = {k: v for k, v in _random_labels(rng).items() if rng.random() < 0.7}
            prefixes = {rng.choice(NAMES): rng.choice(["a", "x", ""])} if rng.random() < 0.2 else {}
            alerts.append(KnownAlert(f"a{i}", labels, frozenset(), "rule", None, prefixes=prefixes))
        matchers = tree_matchers(root)
        groups = group_alerts(matchers, alerts)
        assert sorted(a.name for g in groups for a in g) == sorted(a.name for a in alerts)
        for group in groups:
            want = [id(r) for r in possible_routes(root, group[0])]
            for member in group:
                assert [matcher_verdict(m, member) for m in matchers] == [
                    matcher_verdict(m, group[0]) for m in matchers
                ]
                assert [id(r) for r in possible_routes(root, member)] == want
        # a scope keeps alerts apart even when they route alike
        scoped = group_alerts(matchers, alerts, scope=lambda a: a.name)
        assert len(scoped) == len(alerts)
