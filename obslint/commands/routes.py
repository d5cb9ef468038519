"""`obslint routes test|show`: Alertmanager routing, with the output of `amtool config routes`.

PATH is an alertmanager.yml (read as is) or a repository (every Alertmanager config obslint finds
there: HelmRelease values, Secrets, files, with the AlertmanagerConfig objects they select;
`--alertmanager NAME` picks one when there are several).

Receiver names, label names and values come from the checked repository: every line is printed
through `printable`, so a name holding `\x1b[2J` or a newline shows escaped instead of driving the
terminal or starting a line of its own (amtool prints them raw).

Exit codes follow amtool: 0 routed (and, with --verify.receivers, as expected), 1 when the labels
do not parse, the config is invalid or the receivers differ from --verify.receivers; 2 for
obslint usage errors (no config found, several and none chosen).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from obslint.printable import printable

if TYPE_CHECKING:  # the command line imports every command: their modules stay light
    from obslint.commands._route_cases import RouteCase
    from obslint.routing import AMConfig, Route

HELP = "test or show Alertmanager routing (like amtool config routes)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=("test", "show"), help="test: receivers for a label set; show: the tree")
    # Options may come between labels (as with amtool): the rest is parsed again in run().
    p.add_argument(
        "args", nargs=argparse.REMAINDER, metavar="[PATH] label=value", help="config file or repository, then labels"
    )
    _options(p)


def _options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--alertmanager", metavar="NAME", help="which Alertmanager config when the repository has several")
    p.add_argument(
        "--verify.receivers",
        dest="verify_receivers",
        metavar="R1,R2",
        help="fail (exit 1) unless the labels route to exactly these receivers",
    )
    p.add_argument("--tree", action="store_true", help="test: print the matching routes tree")
    p.add_argument("--config.file", dest="config_file", metavar="FILE", help="alertmanager.yml (same as PATH)")
    p.add_argument(
        "--file",
        dest="cases_file",
        metavar="CASES",
        help="test: run the routing tests of a YAML file (tests: [{name, labels, receivers}])",
    )


# --- tree rendering (amtool uses xlab/treeprint) -------------------------------------------
def _slug(route: Route, show_continue: bool, show_receiver: bool) -> str:
    out = route.slug()
    if route.continue_ and show_continue:
        out += "  continue: true"
    if show_receiver:
        out += f"  receiver: {route.receiver}"
    return out


def _render(lines: list[tuple[int, bool, str]]) -> str:
    """lines: (depth, is_last_sibling, text) in pre-order, depth >= 1 -> treeprint layout."""
    out = ["."]
    open_levels: list[bool] = []  # per depth: does a later sibling follow?
    for depth, last, text in lines:
        del open_levels[depth - 1 :]
        prefix = "".join("│\u00a0\u00a0 " if more else "    " for more in open_levels)  # treeprint's bytes
        out.append(f"{prefix}{'└── ' if last else '├── '}{printable(text)}")
        open_levels.append(not last)
    return "\n".join(out) + "\n"


def render_show(root: Route) -> str:
    lines: list[tuple[int, bool, str]] = []
    stack: list[tuple[Route, int, bool]] = [(root, 1, True)]
    while stack:
        node, depth, last = stack.pop()
        lines.append((depth, last, _slug(node, True, True)))
        n = len(node.routes)
        stack.extend((child, depth + 1, k == n - 1) for k, child in reversed(list(enumerate(node.routes))))
    return "Routing tree:\n" + _render(lines) + "\n"


def render_matching(root: Route, labels: dict[str, str]) -> str:
    lines: list[tuple[int, bool, str]] = []

    def visit(node: Route, depth: int) -> None:
        # amtool: children whose own matchers match are descended into, in order, until one
        # without `continue`; a node none of whose children matched shows its receiver.
        chosen: list[Route] = []
        for child in node.routes:
            if all(m.matches(labels) for m in child.matchers):
                chosen.append(child)
                if not child.continue_:
                    break
        idx = len(lines)
        lines.append((depth, True, _slug(node, False, not chosen)))
        for k, child in enumerate(chosen):
            start = len(lines)
            visit(child, depth + 1)
            d, _, text = lines[start]
            lines[start] = (d, k == len(chosen) - 1, text)
        del idx

    visit(root, 1)
    return "Matching routes:\n" + _render(lines) + "\n\n"


# --- loading -------------------------------------------------------------------------------
class _Fail(Exception):
    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.code = code


def _load(path: str, name: str | None) -> AMConfig:
    from obslint.config import Config
    from obslint.index import Index
    from obslint.load import load_tree
    from obslint.model.alertmanager import alertmanager_configs
    from obslint.routing import load_config

    if not os.path.exists(path):
        raise _Fail(f"path '{path}' does not exist", 1)
    tree = load_tree(path)
    index = Index.build(tree, Config())
    if os.path.isfile(path):
        for sf in tree.files:
            for problem in sf.problems:
                raise _Fail(f"{sf.rel}:{problem[1]}:{problem[2]}: {problem[3]}", 1)
            data = sf.documents[0].data if sf.documents else None
            if not (isinstance(data, dict) and ("kind" in data or "apiVersion" in data)):
                return _checked(load_config(data), sf.rel)
            break  # a Kubernetes manifest (HelmRelease, Secret, ...): find the config inside it
        else:
            raise _Fail(f"{path}: not a YAML file", 1)

    sources = alertmanager_configs(index)
    if name:
        chosen = [s for s in sources if name in (s.name, s.name.rpartition("/")[2])]
        if not chosen:
            names = ", ".join(s.name for s in sources) or "none"
            raise _Fail(f"no Alertmanager config named {name!r} (found: {names})", 2)
        sources = chosen[:1]
    if not sources:
        raise _Fail(f"no Alertmanager config found under {path}", 2)
    if len(sources) > 1:
        names = ", ".join(s.name for s in sources)
        raise _Fail(f"several Alertmanager configs ({names}); pick one with --alertmanager NAME", 2)
    src = sources[0]
    return _checked(src.config, src.description)


def _checked(cfg: AMConfig, where: str) -> AMConfig:
    if cfg.problems:
        p = cfg.problems[0]
        loc = ""
        node = p.node
        if node is not None and hasattr(node, "loc"):
            try:
                loc = f"{node.loc(p.key) if p.key is not None else node.loc()}: "
            except Exception:
                loc = ""
        raise _Fail(f"{loc}{p.message}", 1)
    if cfg.route is None:
        raise _Fail(f"{where}: no route provided in config", 1)
    if any(r.unsupported for r in cfg.route.walk()):
        raise _Fail(f"{where}: a regex in the route tree cannot be evaluated here", 2)
    return cfg


def _parse_labels(args: list[str]) -> dict[str, str]:
    from obslint.routing import MatcherError, parse_matcher

    labels: dict[str, str] = {}
    for text in args:
        try:
            m = parse_matcher(text)
        except MatcherError as exc:
            raise _Fail(f"Failed to parse labels: {exc}", 1) from None
        if m.op != "=":
            raise _Fail("Failed to parse labels: labels must be specified as key=value pairs", 1)
        labels[m.name] = m.value
    return labels


def run(args: argparse.Namespace) -> int:
    again = argparse.ArgumentParser(prog="obslint routes " + args.action)
    again.add_argument("args", nargs="*")
    _options(again)
    keys = ("alertmanager", "verify_receivers", "tree", "config_file", "cases_file")
    again.set_defaults(**{k: getattr(args, k) for k in keys})
    extra = again.parse_intermixed_args(args.args)
    for key in keys:
        setattr(args, key, getattr(extra, key))
    rest = list(extra.args)
    path = args.config_file
    if path is None:
        path = rest.pop(0) if rest and os.path.exists(rest[0]) else "."
    try:
        if args.action == "show":
            if rest:
                raise _Fail(f"unexpected arguments: {' '.join(rest)}", 2)
            cfg = _load(path, args.alertmanager)
            sys.stdout.write(render_show(cfg.route))  # type: ignore[arg-type]
            return 0
        if args.cases_file:
            if rest or args.verify_receivers:
                raise _Fail("--file takes no labels and no --verify.receivers: the cases give both", 2)
            from obslint.commands._route_cases import CasesError, read_cases

            try:
                cases = read_cases(args.cases_file)
            except CasesError as exc:
                raise _Fail(str(exc), 1) from None
            return _run_cases(_load(path, args.alertmanager), cases, args.tree)
        labels = _parse_labels(rest)
        cfg = _load(path, args.alertmanager)
    except _Fail as exc:
        print(f"obslint: error: {printable(str(exc))}", file=sys.stderr)
        return exc.code
    root = cfg.route
    assert root is not None
    if args.tree:
        sys.stdout.write(render_matching(root, labels))
    slug = ",".join(root.receivers(labels))
    print(printable(slug))
    if args.verify_receivers and args.verify_receivers != slug:
        print("WARNING: Expected receivers did not match resolved receivers.")
        return 1
    return 0


def _run_cases(cfg: AMConfig, cases: list[RouteCase], tree: bool) -> int:
    """Each case as `amtool config routes test --verify.receivers`: its resolved receivers, and
    amtool's WARNING line when they differ from the expected ones; 1 when any case fails."""
    root = cfg.route
    assert root is not None
    failed = 0
    for case in cases:
        if tree:
            sys.stdout.write(render_matching(root, case.labels))
        slug = ",".join(root.receivers(case.labels))
        print(printable(f"{case.name}: {slug}"))
        if slug != case.expected:
            failed += 1
            expected = printable(case.expected)
            print(f"WARNING: Expected receivers did not match resolved receivers (expected {expected}).")
    print(f"{len(cases) - failed} of {len(cases)} routing tests passed")
    return 1 if failed else 0
