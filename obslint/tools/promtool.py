"""`promtool check rules`, once per run, over every PromQL rule set the repository defines.

Each RuleSet (a PrometheusRule, a values entry, a ConfigMap key, a rule file) is written as one
temporary file `NNNN.yaml` (NNNN = the set's id) in a private directory; promtool is invoked once
with all of them. The files are emitted by us, one key per line with JSON-encoded (= YAML flow)
values, so every line of a temporary file maps back to exactly one key of the original YAML:
promtool's `line:col`, `line N:` and `group "g", rule N, "name"` references all resolve to
the original file and line. Errors inside an expression (`could not parse expression: 1:6: ...`)
resolve to the character of the expression in the original file.

Without promtool the same checks fall back to the PromQL parser (promql-parser) plus the
structural checks of Prometheus's rulefmt, with a notice.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from typing import Any

import promql_parser as pp

from obslint.findings import Loc
from obslint.index import Index, memoised
from obslint.load import EmbeddedSource, YMap
from obslint.model.promql import NotParsed
from obslint.model.rulegroups import RuleEntry, RuleSet, rule_sets
from obslint.objects import plain
from obslint.tools import Background, ToolResult, find_tool, prefetch, start_tool
from obslint.units import UnitError, parse_prom_duration

# Keys promtool 2.x does not know but current Prometheus (v3.x, kube-prometheus-stack 80.6.0 ships
# v3.8.1) and prometheus-operator accept: stripped before checking so an older promtool does not
# reject valid groups. query_offset: Prometheus 2.53; group labels: Prometheus 3.x;
# partial_response_strategy: Thanos (prometheus-operator CRD field, ignored by Prometheus).
NEWER_GROUP_KEYS = frozenset({"query_offset", "labels", "partial_response_strategy"})


@dataclass
class RuleProblem:
    loc: Loc
    message: str
    entry: RuleEntry | None
    ruleset: RuleSet
    tool: str  # "promtool" | "promql-parser" | "structure"
    # Syntax disagreements between an older promtool (2.x) and the PromQL of Prometheus 3 (the
    # version kube-prometheus-stack 80.6.0 ships, and the dialect promql-parser implements):
    # "newer-syntax": promtool cannot parse an expression Prometheus 3 accepts (UTF-8 quoted names,
    # info(), limitk(), double_exponential_smoothing()); "removed-syntax": promtool accepts an
    # expression Prometheus 3 rejects (holt_winters() without the experimental flag).
    dialect: str = ""
    # obslint did not check the expression (nested too deeply to parse safely): not a rejection
    not_checked: bool = False

    @property
    def legacy_name_only(self) -> bool:
        """An invalid label/annotation name under the legacy name scheme (promtool 2.x) that is valid
        under UTF-8 name validation, the default of Prometheus 3 (rulefmt: only `__name__` and
        empty names are invalid rule labels there; any UTF-8 recording rule name without braces is valid)."""
        m = _NAME_PROBLEM_RE.search(self.message)
        if m:
            return m.group(2) not in ("", "__name__")
        m = _RECORD_NAME_PROBLEM_RE.search(self.message)
        return bool(m and m.group(1) and "{" not in m.group(1))


@dataclass
class _Line:
    node: Any  # YMap of the original group/rule, or None for the file header
    key: Any  # key in node (None: the node itself)
    entry: RuleEntry | None
    ruleset: RuleSet


_ENCODE = json.JSONEncoder(ensure_ascii=False, default=str).encode


def _dump(value: Any) -> str:
    # Most values are plain strings: skip the copy (and json.dumps's per-call encoder set-up).
    return _ENCODE(value if isinstance(value, str) else plain(value))


def render(rs: RuleSet) -> tuple[str, list[_Line]]:
    """The rule set as promtool input, with the original node of every line (index 0 = line 1)."""
    lines: list[str] = ["groups:"]
    table: list[_Line] = [_Line(rs.node, "groups", None, rs)]
    for group in rs.groups:
        g = group.data
        keys = [k for k in g if k != "rules" and k not in NEWER_GROUP_KEYS]
        first = True
        for k in keys:
            lines.append(("- " if first else "  ") + f"{_dump(str(k))}: {_dump(g[k])}")
            table.append(_Line(g, k, None, rs))
            first = False
        if "rules" not in g:
            if first:
                lines.append("- {}")
                table.append(_Line(g, None, None, rs))
            continue
        lines.append(("- " if first else "  ") + "rules:")
        table.append(_Line(g, "rules", None, rs))
        if not group.rules:
            lines[-1] += " " + _dump(g.get("rules"))
            continue
        emitted = 0
        for entry in group.rules:
            r = entry.data
            if any(isinstance(v, str) and "${" in v for v in (r.get("expr"), r.get("alert"), r.get("record"))):
                continue  # Flux postBuild substitution happens before Prometheus sees the rule
            emitted += 1
            rfirst = True
            for k in r:
                lines.append(("  - " if rfirst else "    ") + f"{_dump(str(k))}: {_dump(r[k])}")
                table.append(_Line(r, k, entry, rs))
                rfirst = False
            if rfirst:
                lines.append("  - {}")
                table.append(_Line(r, None, entry, rs))
        if not emitted:
            lines[-1] = lines[-1] + " []" if lines[-1].endswith("rules:") else lines[-1]
    return "\n".join(lines) + "\n", table


_FILE_RE = re.compile(r"^(\d{4,})\.yaml: (.*)$")
_POS_RE = re.compile(r"^(\d+):(\d+): ")
_YAML_LINE_RE = re.compile(r"\bline (\d+)\b")
_GROUP_RULE_RE = re.compile(r'group "((?:[^"\\]|\\.)*)", rule (\d+), "((?:[^"\\]|\\.)*)": ')
_EXPR_POS_RE = re.compile(r"could not parse expression: (\d+):(\d+): ")
_NAME_PROBLEM_RE = re.compile(r"invalid (label|annotation) name: (.*)$")
_RECORD_NAME_PROBLEM_RE = re.compile(r"invalid recording rule name: (.*)$")
_FIELD_RE = re.compile(r"invalid field '([^']+)'")
_QUOTED_RE = re.compile(r'"((?:[^"\\]|\\.)*)"')


def _expr_loc(entry: RuleEntry, line: int, col: int) -> Loc:
    r = entry.data
    if isinstance(r.get("expr"), str):
        src = EmbeddedSource.from_value(r, "expr")
        if src is not None:
            return src.loc(line, col)
    return entry.expr_loc


def _line_loc(info: _Line) -> Loc:
    node = info.node
    if isinstance(node, YMap) and info.key is not None and info.key in node:
        return node.key_loc(info.key)
    if isinstance(node, YMap):
        return node.loc()
    return info.ruleset.loc


def _map_error(msg: str, rs: RuleSet, table: list[_Line]) -> RuleProblem:
    """Turn one promtool error line (file prefix removed) into a problem at the original position."""
    text = msg
    line: int | None = None
    while True:
        m = _POS_RE.match(text)
        if not m:
            break
        if line is None:
            line = int(m.group(1))
        text = text[m.end() :]
    gr = _GROUP_RULE_RE.search(text)
    detail = text[gr.end() :] if gr else text
    entry: RuleEntry | None = None
    info: _Line | None = None
    if line is None:
        ym = _YAML_LINE_RE.search(text)
        if ym:
            line = int(ym.group(1))
            detail = re.sub(r"^yaml: (unmarshal errors:\s*)?", "", text).strip()
            detail = _YAML_LINE_RE.sub("", detail, count=1).lstrip(": ").strip()
    if line is not None and 1 <= line <= len(table):
        info = table[line - 1]
        entry = info.entry
    if gr and entry is None:
        gname, rnum, rname = gr.group(1), int(gr.group(2)), gr.group(3)
        for group in rs.groups:
            if group.name != gname:
                continue
            emitted = [e for e in group.rules if "${" not in e.expr]
            if 0 < rnum <= len(emitted) and emitted[rnum - 1].name == rname:
                entry = emitted[rnum - 1]
                break
    if info is None and entry is None:
        # e.g. `not a valid duration string: "1x"`: find the line whose value is the quoted text
        for q in _QUOTED_RE.findall(detail):
            for cand in table[1:]:
                if isinstance(cand.node, YMap) and cand.key in cand.node and str(cand.node[cand.key]) == q:
                    info, entry = cand, cand.entry
                    break
            if info is not None:
                break
    em = _EXPR_POS_RE.search(detail)
    fm = _FIELD_RE.search(detail)
    if entry is not None and fm and fm.group(1) in entry.data:
        loc = entry.data.key_loc(fm.group(1))
    elif entry is not None and em:
        loc = _expr_loc(entry, int(em.group(1)), int(em.group(2)))
    elif entry is not None and "label" in detail and "labels" in entry.data and info is None:
        loc = entry.loc_of("labels")
    elif entry is not None and "annotation" in detail and "annotations" in entry.data and info is None:
        loc = entry.loc_of("annotations")
    elif info is not None:
        loc = _line_loc(info)
    elif entry is not None:
        loc = entry.loc
    else:
        loc = rs.loc
    return RuleProblem(loc, detail.strip(), entry, rs, "promtool")


@dataclass
class PromtoolBatch:
    """One `promtool check rules` run over every PromQL rule set, started in the background."""

    sets: list[RuleSet]
    # temporary file name -> the rule sets that render to its text (copies of one file or object
    # in many clusters are one file: promtool says the same of each)
    by_name: dict[str, list[RuleSet]]
    runs: list[Background]  # one promtool process per shard of the files
    _tables: dict[str, list[tuple[RuleSet, list[_Line]]]] = field(default_factory=dict)

    def tables(self, name: str) -> list[tuple[RuleSet, list[_Line]]]:
        """The sets of a temporary file with their line tables. Rendered again on demand (render
        is deterministic) rather than kept for every file: a line table holds an object per line
        of every rule, and promtool usually reports nothing."""
        if name not in self._tables:
            self._tables[name] = [(rs, render(rs)[1]) for rs in self.by_name.get(name, ())]
        return self._tables[name]

    def result(self) -> ToolResult:
        """The shards' results as one: stderr joined, the worst exit code, timed out if any did."""
        results: list[ToolResult] = [run.result() for run in self.runs]
        codes = [r.returncode for r in results]
        failed = [c for c in codes if c not in (0, 1)]
        return ToolResult(
            failed[0] if failed else max(codes),
            "".join(r.stdout for r in results),
            "\n".join(r.stderr for r in results if r.stderr),
            any(r.timed_out for r in results),
        )


# promtool 2.x checks roughly 7,000 rules a second on one core: a repository of 100,000 rules
# would wait ~15 s on one process. Above this many rules the files are split across processes,
# one per CPU (the Python rules meanwhile mostly wait too).
SHARD_RULES = 5_000


def _size(rs: RuleSet) -> int:
    return sum(len(g.rules) for g in rs.groups)


def _shards(sets: list[RuleSet], count: int) -> list[list[RuleSet]]:
    """The sets in `count` groups of about the same number of rules (largest first, greedily)."""
    bins: list[tuple[int, int, list[RuleSet]]] = [(0, i, []) for i in range(count)]
    for rs in sorted(sets, key=lambda rs: -_size(rs)):
        size, i, members = min(bins)
        members.append(rs)
        bins[i] = (size + _size(rs), i, members)
    return [members for _, _, members in bins if members]


def _distinct(sets: list[RuleSet]) -> list[RuleSet]:
    """One rule set per rule text: a file or object applied in several clusters is checked once
    (its problems are the same, at the same positions)."""
    seen: set[int] = set()
    out = []
    for rs in sets:
        if id(rs.node) not in seen:
            seen.add(id(rs.node))
            out.append(rs)
    return out


@memoised
def promtool_batch(index: Index) -> PromtoolBatch | None:
    """Render every PromQL rule set and start promtool on them (None: nothing to check, or no promtool)."""
    sets = _distinct([rs for rs in rule_sets(index) if rs.engine == "promql" and rs.groups])
    path = find_tool("promtool")
    if not sets or path is None:
        return None
    texts: dict[str, str] = {}  # file name -> text
    names: dict[str, str] = {}  # text -> file name
    by_name: dict[str, list[RuleSet]] = {}
    for rs in sets:
        text = render(rs)[0]
        name = names.setdefault(text, f"{rs.id:04d}.yaml")
        texts[name] = text
        by_name.setdefault(name, []).append(rs)
    written = [members[0] for members in by_name.values()]
    total = sum(_size(rs) for rs in written)
    runs = []
    for shard in _shards(written, max(1, min(os.cpu_count() or 1, total // SHARD_RULES))):
        files = {f"{rs.id:04d}.yaml": texts[f"{rs.id:04d}.yaml"] for rs in shard}
        # a generous timeout that grows with the shard: promtool is slow, not stuck
        timeout = 60 + sum(_size(rs) for rs in shard) / 1000
        argv = [path, "check", "rules", "--lint=none", *files]
        runs.append(start_tool("promtool", files, argv, timeout=timeout, redact=index.redactor.redact))
    return PromtoolBatch(sets, by_name, runs)


prefetch("PROM001", promtool_batch)


def run_promtool(index: Index, batch: PromtoolBatch) -> list[RuleProblem]:
    """promtool's errors, mapped back to the original files (its PromQL-parser fallback on failure)."""
    problems: list[RuleProblem] = []
    result = batch.result()
    if result.timed_out or (result.returncode not in (0, 1) and not result.stderr.strip()):
        note = index.unfinished if result.timed_out else index.notice
        note(f"promtool check rules failed ({result.stderr.strip()[:200]}); rules checked with the PromQL parser")
        return fallback(index, batch.sets)
    seen: set[str] = set()
    for raw in result.stderr.splitlines():
        m = _FILE_RE.match(raw.strip())
        if not m or raw in seen:
            continue
        seen.add(raw)
        msg = m.group(2)
        if msg.strip() in ("yaml: unmarshal errors:",):
            continue
        problems.extend(_map_error(msg, rs, table) for rs, table in batch.tables(f"{m.group(1)}.yaml"))
    # "yaml: unmarshal errors:" puts the details on the following lines
    _attach_unmarshal_details(result.stderr, batch, problems)
    return problems


def _attach_unmarshal_details(stderr: str, batch: PromtoolBatch, problems: list[RuleProblem]) -> None:
    current: str | None = None
    for raw in stderr.splitlines():
        m = _FILE_RE.match(raw.strip())
        if m:
            current = f"{m.group(1)}.yaml" if m.group(2).strip() == "yaml: unmarshal errors:" else None
            continue
        if current and raw.startswith("  line "):
            problems.extend(_map_error(raw.strip(), rs, table) for rs, table in batch.tables(current))
        elif not raw.startswith("  "):
            current = None


# --- fallback: rulefmt structure + promql-parser ------------------------------------------------

_RECORD_NAME_RE = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")  # model.IsValidMetricName (legacy scheme)
_LABEL_NAME_RE = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_RULE_KEYS = frozenset({"record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"})


def structure_problems(rs: RuleSet, *, with_expr: bool) -> list[RuleProblem]:
    """rulefmt's validation (prometheus model/rulefmt/rulefmt.go) of one rule set, natively."""
    out: list[RuleProblem] = []
    tool = "structure"

    def add(loc: Loc, msg: str, entry: RuleEntry | None = None) -> None:
        out.append(RuleProblem(loc, msg, entry, rs, tool))

    def duration(node: YMap, key: str, where: str, entry: RuleEntry | None = None) -> None:
        if key in node and node[key] is not None:
            try:
                parse_prom_duration(node[key])
            except UnitError:
                add(node.loc(key), where + f'not a valid duration string: "{node[key]}"', entry)

    names: set[str] = set()
    for group in rs.groups:
        duration(group.data, "interval", "")
        if not group.name:
            add(group.loc, "Groupname must not be empty")
        elif group.name in names:
            add(group.loc, f'groupname: "{group.name}" is repeated in the same file')
        names.add(group.name)
        for entry in group.rules:
            r = entry.data
            where = f'group "{group.name}", rule {entry.index + 1}, "{entry.name}": '
            for k in r:
                if k not in _RULE_KEYS and rs.origin != "prometheusrule":
                    add(r.key_loc(k), f"field {k} not found in rule", entry)
            duration(r, "for", where, entry)
            duration(r, "keep_firing_for", where, entry)
            has_alert, has_record = bool(r.get("alert")), bool(r.get("record"))
            if has_alert and has_record:
                add(entry.loc, where + "only one of 'record' and 'alert' must be set", entry)
            elif not has_alert and not has_record:
                add(entry.loc, where + "one of 'record' or 'alert' must be set", entry)
            if not entry.expr.strip():
                add(entry.loc, where + "field 'expr' must be set in rule", entry)
            elif isinstance(entry.parse_error, NotParsed):
                out.append(RuleProblem(entry.expr_loc, entry.parse_error, entry, rs, tool, not_checked=True))
            elif with_expr and entry.parse_error:
                add(entry.expr_loc, where + f"could not parse expression: {entry.parse_error}", entry)
            if has_record:
                for k in ("annotations", "for", "keep_firing_for"):
                    if k in r:
                        add(r.key_loc(k), where + f"invalid field '{k}' in recording rule", entry)
                if rs.engine == "promql" and not _RECORD_NAME_RE.match(entry.name) and "${" not in entry.name:
                    add(entry.loc, where + f"invalid recording rule name: {entry.name}", entry)
            for what, mapping in (("label", entry.labels), ("annotation", entry.annotations)):
                for k in mapping:
                    if (what == "label" and str(k) == "__name__") or not _LABEL_NAME_RE.match(str(k)):
                        add(entry.loc_of(what + "s", k), where + f"invalid {what} name: {k}", entry)
    return out


def fallback(index: Index, sets: list[RuleSet]) -> list[RuleProblem]:
    out: list[RuleProblem] = []
    for rs in sets:
        for p in structure_problems(rs, with_expr=True):
            p.tool = "promql-parser"
            out.append(p)
        for entry in rs.rules:
            if entry.ast is not None and uses_experimental(entry.ast) and not experimental_enabled(index, entry):
                msg = (
                    "uses an experimental PromQL function: Prometheus 3 needs "
                    "enableFeatures: [promql-experimental-functions]"
                )
                out.append(RuleProblem(entry.expr_loc, msg, entry, rs, "promql-parser"))
    return out


EXPERIMENTAL_AGGREGATIONS = frozenset({"limitk", "limit_ratio"})


def uses_experimental(ast: Any) -> bool:
    """Functions and aggregations Prometheus 3 only enables with promql-experimental-functions."""
    from obslint.model.promql import op_name, walk

    for node in walk(ast):
        if isinstance(node, pp.Call) and getattr(node.func, "experimental", False):
            return True
        if isinstance(node, pp.AggregateExpr) and op_name(node) in EXPERIMENTAL_AGGREGATIONS:
            return True
    return False


def experimental_enabled(index: Index, entry: RuleEntry) -> bool:
    """Whether every Prometheus that loads the rule enables promql-experimental-functions."""
    from obslint.model.prometheus import rule_selected_by

    rs = entry.group.ruleset
    instances = rule_selected_by(index, rs) or []
    if not instances:
        return False
    for inst in instances:
        spec = inst.helm.value("prometheus", "prometheusSpec") if inst.helm else inst.origin.spec
        features = spec.get("enableFeatures") if isinstance(spec, dict) else None
        if not isinstance(features, list) or "promql-experimental-functions" not in features:
            return False
    return True


def _dialect(index: Index, problems: list[RuleProblem], sets: list[RuleSet]) -> list[RuleProblem]:
    """Mark promtool's verdicts that depend on the PromQL version (see RuleProblem.dialect)."""
    reported: set[int] = set()
    for p in problems:
        if p.entry is None:
            continue
        reported.add(id(p.entry))
        if "could not parse expression" not in p.message or p.entry.ast is None:
            continue
        if not uses_experimental(p.entry.ast) or experimental_enabled(index, p.entry):
            p.dialect = "newer-syntax"
        else:
            p.message += (
                " (an experimental function in Prometheus 3: it needs enableFeatures: [promql-experimental-functions])"
            )
    for rs in sets:
        for entry in rs.rules:
            if id(entry) in reported or not entry.parse_error or not entry.expr.strip():
                continue
            if isinstance(entry.parse_error, NotParsed):  # promtool parsed it; obslint's checks did not
                problems.append(
                    RuleProblem(entry.expr_loc, entry.parse_error, entry, rs, "promql-parser", not_checked=True)
                )
                continue
            msg = f"could not parse expression (Prometheus 3): {entry.parse_error}"
            problems.append(RuleProblem(entry.expr_loc, msg, entry, rs, "promql-parser", "removed-syntax"))
    return problems


@memoised
def promtool_rules(index: Index) -> list[RuleProblem]:
    """Problems promtool (or the fallback) reports for every rule set, mapped to original positions."""
    sets = rule_sets(index)
    promql = _distinct([rs for rs in sets if rs.engine == "promql" and rs.groups])
    logql = [rs for rs in sets if rs.engine == "logql"]
    problems: list[RuleProblem] = []
    if promql:
        batch: PromtoolBatch | None = promtool_batch(index)
        if batch is None:
            index.notice("promtool not found: PromQL rules checked with the built-in parser instead")
            problems.extend(fallback(index, promql))
        else:
            problems.extend(_dialect(index, run_promtool(index, batch), promql))
    for rs in logql:  # LogQL: structure only, never fed to promtool
        problems.extend(structure_problems(rs, with_expr=False))
    return problems
