"""Routing tests kept in the repository: `obslint routes test --file cases.yaml`.

```yaml
tests:
  - name: critical alerts page the on-call    # optional; shown in the output
    labels: {alertname: KubePodCrashLooping, severity: critical, namespace: prod}
    receivers: [pagerduty, slack-critical]    # expected, in the order Alertmanager notifies them
```

Each case is `amtool config routes test --verify.receivers=R1,R2 label=value ...` run against
the same config: its line prints the receivers the labels resolve to, a mismatch prints amtool's
WARNING line, and the exit code is 1 when any case fails (amtool's code for a mismatch), 0 when
all pass. The file belongs to the checked repository, so it is read by the capped loader.
"""

from __future__ import annotations

from dataclasses import dataclass

from obslint.load.yamlfile import YAMLLoadError, load_text

MAX_CASES = 10_000


class CasesError(Exception):
    """The cases file cannot be used; the message says where and why."""


@dataclass(frozen=True)
class RouteCase:
    name: str
    labels: dict[str, str]
    receivers: tuple[str, ...]

    @property
    def expected(self) -> str:
        """As amtool's --verify.receivers takes it: the receivers joined by commas."""
        return ",".join(self.receivers)


def read_cases(path: str) -> list[RouteCase]:
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read(8 * 1024 * 1024 + 1)
    except (OSError, UnicodeDecodeError) as exc:
        raise CasesError(f"{path}: cannot read ({exc})") from None
    if len(text) > 8 * 1024 * 1024:
        raise CasesError(f"{path}: larger than 8 MB")
    try:
        docs = load_text(text, path)
    except YAMLLoadError as exc:
        raise CasesError(f"{path}: {exc}") from None
    data = docs[0] if docs else None
    tests = data.get("tests") if isinstance(data, dict) else None
    if not isinstance(tests, list) or not tests:
        raise CasesError(f"{path}: expected a non-empty `tests:` list")
    if len(tests) > MAX_CASES:
        raise CasesError(f"{path}: more than {MAX_CASES} cases")
    return [_case(path, i, t) for i, t in enumerate(tests, 1)]


def _case(path: str, n: int, entry: object) -> RouteCase:
    where = f"{path}: test {n}"
    if not isinstance(entry, dict):
        raise CasesError(f"{where}: expected a mapping with `labels` and `receivers`")
    labels, receivers, name = entry.get("labels"), entry.get("receivers"), entry.get("name")
    if not isinstance(labels, dict) or not all(isinstance(k, str) for k in labels):
        raise CasesError(f"{where}: `labels` must map label names to values")
    if isinstance(receivers, str):
        receivers = [receivers]
    if not isinstance(receivers, list) or not receivers or not all(isinstance(r, str) for r in receivers):
        raise CasesError(f"{where}: `receivers` must list the expected receiver names")
    unknown = sorted(set(entry) - {"name", "labels", "receivers"})
    if unknown:
        raise CasesError(f"{where}: unknown key {unknown[0]!r} (expected name, labels, receivers)")
    shown = name if isinstance(name, str) and name else f"test {n}"
    return RouteCase(shown, {k: "" if v is None else str(v) for k, v in labels.items()}, tuple(receivers))
