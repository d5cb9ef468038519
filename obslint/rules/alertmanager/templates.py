"""AM015 template-label-not-grouped: notification templates printing labels the grouping drops.

Alertmanager renders a notification per aggregation group with `template.Data`: `.GroupLabels`
holds only the labels the route groups by, `.CommonLabels` only those every alert of the group
shares (https://prometheus.io/docs/alerting/latest/notifications/#data). Templates are read where
they are written: receiver fields (title, text, message...) and the `{{ define }}` blocks they call
with `{{ template "name" . }}`, from kube-prometheus-stack `alertmanager.templateFiles` or the
`*.tmpl` keys of the Secret/ConfigMap that holds the config. A call that cannot be resolved (the
built-in default.tmpl, files outside the repository) is not followed.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from obslint.findings import Finding, Loc, Related
from obslint.load import YMap
from obslint.model.alertmanager import AMSource, KnownAlert, node_loc, possible_routes
from obslint.model.gotemplate import Path, Ref, analyse, label_refs
from obslint.objects import walk_strings
from obslint.routing import Route
from obslint.rules import Basis, RuleContext, rule
from obslint.rules.alertmanager.common import HR_EXAMPLE, alert_groups_for, is_null, routed_sources

# Methods of Alertmanager's template.KV: `.GroupLabels.Names` calls one, it is no label.
KV_METHODS = frozenset({"SortedPairs", "Names", "Values", "Remove"})
MAX_KEYS = 400  # distinct group keys compared pairwise for .CommonLabels evidence


@dataclass(frozen=True)
class TemplateText:
    text: str
    loc: Loc
    what: str  # "pushover title", "templateFiles custom.tmpl"
    name: str = ""  # a template file's name (the key it is mounted under)


def template_files(src: AMSource) -> list[TemplateText]:
    """The notification template files loaded with this config, as far as the repository has them."""
    out: list[TemplateText] = []
    if src.release is not None:
        files = src.release.value("alertmanager", "templateFiles")
        if isinstance(files, Mapping):
            for name, text in files.items():
                if isinstance(text, str):
                    where = node_loc(files, name, src.anchor)
                    out.append(TemplateText(text, where, f"templateFiles {name}", str(name)))
    obj = src.obj
    if obj is not None and obj.kind in ("Secret", "ConfigMap") and not obj.sops:
        for section in ("stringData", "data"):
            values = obj.data.get(section)
            if not isinstance(values, YMap):
                continue
            for key, text in values.items():
                if not str(key).endswith(".tmpl") or not isinstance(text, str):
                    continue
                if obj.kind == "Secret" and section == "data":
                    text = _b64(text)
                if text is not None:
                    out.append(TemplateText(text, values.loc(key), f"{obj.ref()} key {key}", str(key)))
    return out


def _b64(text: str) -> str | None:
    try:
        return base64.b64decode("".join(text.split()), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


# Integration settings Alertmanager reads as they are written, not as templates: file paths,
# endpoints and the HTTP client settings (notify/*: only message fields go through tmplText).
NOT_TEMPLATED = frozenset({"url", "api_url", "webhook_url", "http_config", "send_resolved", "smarthost"})


def _templated(path: tuple) -> bool:
    keys = [p for p in path if isinstance(p, str)]
    return not any(k in NOT_TEMPLATED or k.endswith("_file") for k in keys)


def receiver_templates(src: AMSource, name: str) -> Iterator[TemplateText]:
    """Every templated string of a receiver's integrations (`{{` in a title, text, message...)."""
    rec = src.config.receivers.get(name)
    if rec is None:
        return
    for kind, _, item in rec.integrations:
        if not isinstance(item, Mapping):
            continue
        for path, container, key in walk_strings(item):
            if not _templated(path):
                continue
            value = container[key]
            if isinstance(value, str) and "{{" in value:
                field = ".".join(str(p) for p in path if isinstance(p, str))
                what = f"{kind.removesuffix('_configs').removesuffix('Configs')} {field}"
                yield TemplateText(value, node_loc(container, key, src.anchor), what)


@dataclass(frozen=True)
class Use:
    label: str
    root: str  # GroupLabels | CommonLabels
    where: TemplateText  # the receiver field
    via: TemplateText | None  # the template file of the define it stands in


def reached_refs(
    field: TemplateText, files: list[TemplateText]
) -> Iterator[tuple[tuple[Ref, ...], str | None, TemplateText | None]]:
    """(refs, define, file) of a receiver field itself (define and file None), then of every define
    of the template files it runs, `{{ template "name" P }}` followed with the dot P gives it."""
    found = analyse(field.text)
    yield found.refs, None, None
    pending: list[tuple[str, Path | None]] = [(c.name, c.arg) for c in found.calls if c.define is None]
    seen: set[tuple[str, Path | None]] = set()
    while pending:
        name, dot = pending.pop()
        if (name, dot) in seen or dot is None:
            continue
        seen.add((name, dot))
        for tf in files:
            body = analyse(tf.text, dot=None, define_dots={name: dot})
            if name not in body.defines:
                continue
            yield body.refs, name, tf
            pending.extend((c.name, c.arg) for c in body.calls if c.define == name)


def label_uses(field: TemplateText, files: list[TemplateText]) -> Iterator[Use]:
    """Printed `.GroupLabels.x` / `.CommonLabels.x` of a receiver field, following
    `{{ template "name" . }}` into the defines of the template files."""
    for refs, define, via in reached_refs(field, files):
        yield from _uses(refs, define, field, via)


def _uses(refs: tuple[Ref, ...], define: str | None, field: TemplateText, via: TemplateText | None) -> Iterator[Use]:
    for root in ("GroupLabels", "CommonLabels"):
        for label, ref in label_refs(refs, root, define):
            if label not in KV_METHODS and not ref.guarded:
                yield Use(label, root, field, via)


def notifying_routes(src: AMSource, receiver: str) -> list[Route]:
    assert src.route is not None
    return [r for r in src.route.walk() if r.receiver == receiver]


def alerts_by_route(ctx: RuleContext, src: AMSource) -> dict[int, list[KnownAlert]]:
    """Known alerts per route (by id) they may be dispatched to."""
    assert src.route is not None
    out: dict[int, list[KnownAlert]] = {}
    for group in alert_groups_for(ctx.index, src):
        for route in possible_routes(src.route, group[0]):
            out.setdefault(id(route), []).extend(group)
    return out


def differing_values(alerts: list[KnownAlert], label: str, group_by: tuple[str, ...]) -> tuple[str, str] | None:
    """Two static values of `label` carried by alerts that can share a group of this grouping."""
    by_key: dict[tuple, set[str]] = {}
    for alert in alerts:
        value = alert.labels.get(label)
        if value is None:
            continue
        key = tuple(alert.labels.get(g) for g in group_by)
        values = by_key.setdefault(key, set())
        if len(values) < 2:
            values.add(value)
    if len(by_key) > MAX_KEYS:
        return None
    keys = list(by_key.items())
    for i, (k1, v1) in enumerate(keys):
        for k2, v2 in keys[i:]:
            if any(a is not None and b is not None and a != b for a, b in zip(k1, k2, strict=True)):
                continue  # different static values of a grouping label: never in one group
            both = sorted(v1 | v2)
            if len(both) > 1:
                return both[0], both[1]
    return None


def _grouping(route: Route) -> str:
    return ", ".join(route.group_by) if route.group_by else "nothing (one group for all alerts)"


FAILING = (
    HR_EXAMPLE
    + """\
        route:
          receiver: pager
          group_by: [alertname, namespace]
        receivers:
          - name: pager
            pushover_configs:
              - user_key_file: /etc/alertmanager/secrets/pushover/user-key
                token_file: /etc/alertmanager/secrets/pushover/token
                # grouped by alertname and namespace: .GroupLabels has no pod
                title: "{{ .GroupLabels.alertname }} in {{ .GroupLabels.namespace }} on {{ .GroupLabels.pod }}"
"""
)

PASSING = FAILING.replace(" on {{ .GroupLabels.pod }}", "{{ range .Alerts }} {{ .Labels.pod }}{{ end }}").replace(
    "                # grouped by alertname and namespace: .GroupLabels has no pod\n", ""
)


@rule(
    "AM015",
    "template-label-not-grouped",
    "warning",
    "A notification template prints .GroupLabels.x (or .CommonLabels.x) for a label the route does not group by",
    basis=Basis.CERTAIN,
    why="""
        A notification is rendered once per aggregation group. `.GroupLabels` holds only the
        labels the notifying route groups by (`group_by`, inherited from the parent route), so
        `{{ .GroupLabels.pod }}` under `group_by: [alertname, namespace]` always renders empty.
        `.CommonLabels` holds the labels all alerts of the group share: a label outside `group_by`
        is empty as soon as two alerts with different values land in one group, which obslint
        reports when alerts of the repository that can reach the route carry different values
        (two alert names under `group_by: [namespace]`, a warning and a critical variant). The
        templates are read with Go's scoping (inside `{{ range .Alerts }}` dot is one alert) and
        followed into `{{ define }}` blocks of kube-prometheus-stack `templateFiles` and `*.tmpl`
        keys of the config Secret; references under an `if`/`with` on the same value are fine.
        https://prometheus.io/docs/alerting/latest/notifications/#data
    """,
    failing=FAILING,
    passing=PASSING,
    fix="""
        Add the label to the route's `group_by`, print it per alert (`{{ range .Alerts }}{{ .Labels.x }}{{ end }}`),
        or guard it (`{{ with .CommonLabels.x }}...{{ end }}`).
    """,
)
def template_label_not_grouped(ctx: RuleContext) -> Iterator[Finding]:
    for src in routed_sources(ctx.index):
        if src.route is None or src.defaults_only:
            continue
        files = template_files(src)
        reaching: dict[int, list[KnownAlert]] | None = None
        for name in src.config.receivers:
            if is_null(src, name):
                continue
            routes = notifying_routes(src, name)
            if not routes:
                continue
            reported: set[tuple[str, str, Loc]] = set()
            for field in receiver_templates(src, name):
                for use in label_uses(field, files):
                    key = (use.root, use.label, field.loc)
                    if key in reported:
                        continue
                    if use.root == "CommonLabels" and reaching is None:
                        reaching = alerts_by_route(ctx, src)
                    finding = _judge(use, name, routes, reaching or {})
                    if finding is not None:
                        reported.add(key)
                        yield finding


def _judge(use: Use, receiver: str, routes: list[Route], reaching: dict[int, list[KnownAlert]]) -> Finding | None:
    printed = f".{use.root}.{use.label}"
    through = f" (in define of {use.via.what})" if use.via is not None else ""
    related = (Related(use.via.loc, f"the define that prints {printed}"),) if use.via is not None else ()
    for route in routes:
        if route.group_by_all or use.label in route.group_by:
            continue
        head = f'receiver "{receiver}" {use.where.what} prints {printed}{through}, but {_route_name(route)}'
        if use.root == "GroupLabels":
            return Finding(
                use.where.loc,
                f"{head} groups by {_grouping(route)}: it always renders empty",
                hint=f"add {use.label} to group_by, or print it per alert with range .Alerts",
                related=related,
            )
        values = differing_values(reaching.get(id(route), []), use.label, route.group_by)
        if values is not None:
            return Finding(
                use.where.loc,
                f"{head} groups by {_grouping(route)}, so alerts with {use.label} {values[0]} and {values[1]} "
                "can share a notification: it renders empty then",
                hint=f"add {use.label} to group_by, guard it with `with`, or print it per alert with range .Alerts",
                related=related,
            )
    return None


def _route_name(route: Route) -> str:
    return "the root route" if route.parent is None else f"route {route.slug()}"
