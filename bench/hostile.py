#!/usr/bin/env python3
"""Time and peak memory of `obslint check` on hostile repositories, by size.

  depends-on   N Flux Kustomizations, each depending on the previous (one applier above them all)
  helm-chain   N HelmReleases, each depending on the previous
  nested       N Kustomizations, each applying the next one's directory
  deep-promql  one alert whose expression nests N brackets deep, and one a chain of N additions
  alias-bomb   N Secrets, each holding a base64 Alertmanager config that is a billion-laughs bomb

Each run is a child process; wall time is the median of --runs runs, peak memory its maximum RSS
(wait4). A structure linear in N shows as memory growing in step with N.
Usage: .venv/bin/python bench/hostile.py [--sizes 1000 3000 10000] [--runs 1] [--scenarios depends-on ...]
"""

from __future__ import annotations

import argparse
import base64
import json
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from bench import measure  # bench/bench.py: (wall seconds, peak RSS MB) of one child run

ROOT = Path(__file__).resolve().parent.parent

KUSTOMIZATION = """\
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: {name}
  namespace: flux-system
spec:
  interval: 10m
  path: {path}
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
"""
SYNC = (
    "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\n"
    "metadata: {name: flux-system, namespace: flux-system}\n"
    "spec: {interval: 1m, url: 'ssh://git@example.org/repo', ref: {branch: main}}\n---\n"
    + KUSTOMIZATION.format(name="flux-system", path="./clusters/home")
)


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def depends_on(n: int) -> dict[str, str]:
    docs = [
        KUSTOMIZATION.format(name=f"k{i}", path="./apps") + (f"  dependsOn:\n  - name: k{i - 1}\n" if i else "")
        for i in range(n)
    ]
    return {
        "clusters/home/flux-system/sync.yaml": SYNC,
        "clusters/home/chain.yaml": "---\n".join(docs),
        "apps/kustomization.yaml": "resources: []\n",
    }


def helm_chain(n: int) -> dict[str, str]:
    docs = [
        f"apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {{name: r{i}, namespace: apps}}\n"
        "spec:\n  interval: 10m\n  chart: {spec: {chart: c, sourceRef: {kind: HelmRepository, name: repo}}}\n"
        + (f"  dependsOn:\n  - name: r{i - 1}\n" if i else "")
        for i in range(n)
    ]
    return {
        "clusters/home/flux-system/sync.yaml": SYNC,
        "clusters/home/apps.yaml": KUSTOMIZATION.format(name="apps", path="./apps"),
        "apps/releases.yaml": "---\n".join(docs),
        "apps/repo.yaml": "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\n"
        "metadata: {name: repo, namespace: apps}\nspec: {url: 'https://example.org/charts', interval: 1h}\n",
    }


def nested(n: int) -> dict[str, str]:
    files = {
        "clusters/home/flux-system/sync.yaml": SYNC,
        "clusters/home/k.yaml": KUSTOMIZATION.format(name="k0", path="./n/0"),
    }
    for i in range(n):
        files[f"n/{i}/k.yaml"] = KUSTOMIZATION.format(name=f"k{i + 1}", path=f"./n/{i + 1}")
    return files


def deep_promql(n: int) -> dict[str, str]:
    exprs = {"Brackets": "(" * n + "up" + ")" * n, "Chain": " + ".join(["up"] * n)}
    rules = "".join(f"    - alert: {name}\n      expr: {json.dumps(e)}\n" for name, e in exprs.items())
    return {
        "rules.yaml": "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\n"
        f"metadata: {{name: r, namespace: monitoring}}\nspec:\n  groups:\n  - name: g\n    rules:\n{rules}"
    }


def alias_bomb(n: int) -> dict[str, str]:
    bomb = "route: {receiver: x}\nreceivers: [{name: x}]\nl1: &l1 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]\n" for i in range(2, 10)
    )
    data = base64.b64encode(bomb.encode()).decode()
    docs = [
        f"apiVersion: v1\nkind: Secret\nmetadata: {{name: alertmanager-{i}, namespace: monitoring}}\n"
        f"data:\n  alertmanager.yaml: {data}\n"
        for i in range(n)
    ]
    # 500 to a file: each file stays far below the file-size cap
    return {f"secrets-{i // 500}.yaml": "---\n".join(docs[i : i + 500]) for i in range(0, n, 500)}


SCENARIOS: dict[str, Callable[[int], dict[str, str]]] = {
    "depends-on": depends_on,
    "helm-chain": helm_chain,
    "nested": nested,
    "deep-promql": deep_promql,
    "alias-bomb": alias_bomb,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 3000, 10000])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--scenarios", nargs="+", choices=sorted(SCENARIOS), default=list(SCENARIOS))
    args = parser.parse_args()
    print("| scenario | N | obslint s | obslint MB |")
    print("|---|---:|---:|---:|")
    for name in args.scenarios:
        for n in args.sizes:
            with tempfile.TemporaryDirectory(prefix="obslint-hostile-") as tmp:
                root = Path(tmp)
                _write(root, SCENARIOS[name](n))
                argv = [sys.executable, "-m", "obslint", "check", str(root)]
                runs = [measure(argv, ROOT) for _ in range(args.runs)]
            wall = statistics.median(r[0] for r in runs)
            print(f"| {name} | {n} | {wall:.1f} | {max(r[1] for r in runs):.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
