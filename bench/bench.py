#!/usr/bin/env python3
"""Benchmark `obslint check` against the tools a user would otherwise run on the same tree.

Generates synthetic repositories from reference-stack/ (N copies as separate clusters, plus a
large PrometheusRule file per copy), then times, for each size:

  obslint      obslint check of this checkout (all rules, tools included when installed, --no-cache)
  floor        parsing every YAML file with PyYAML's C loader and nothing else
  yamllint     yamllint on the tree (relaxed config)
  k8s-validate kubernetes-validate on every YAML file
  promtool     promtool check rules on the extracted rule groups
  amlint       amlint check on the extracted Alertmanager configs

Wall time is the median of --runs runs; peak memory is the child's max RSS (wait4).
Usage: .venv/bin/python bench/bench.py [--sizes 10 20 40 80] [--runs 3]
(install the compared tools with `.venv/bin/pip install -r bench/requirements.txt`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
STACK = ROOT / "reference-stack"
BIN = Path(sys.executable).parent

FLOOR = """
import sys, yaml
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as fh:
        try:
            for _ in yaml.load_all(fh, Loader=yaml.CSafeLoader):
                pass
        except yaml.YAMLError:
            pass
"""


def big_rule_file(copy: int, rules: int = 1500) -> str:
    groups = []
    for g in range(rules // 50):
        entries = []
        for r in range(50):
            entries.append(
                {
                    "alert": f"SyntheticHighErrorRate{copy}x{g}x{r}",
                    "expr": f'sum by (namespace, job) (rate(http_requests_total{{code=~"5..",job="app{r}"}}[5m]))'
                    f' / sum by (namespace, job) (rate(http_requests_total{{job="app{r}"}}[5m])) > 0.05',
                    "for": "10m",
                    "labels": {"severity": "warning"},
                    "annotations": {"summary": "High error rate", "description": "{{ $labels.job }} errors"},
                }
            )
        groups.append({"name": f"synthetic-{g}", "rules": entries})
    doc = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": f"synthetic-{copy}", "namespace": "monitoring"},
        "spec": {"groups": groups},
    }
    return yaml.safe_dump(doc, sort_keys=False)


def generate(dest: Path, copies: int) -> None:
    for i in range(copies):
        target = dest / f"site-{i:03d}"
        shutil.copytree(STACK, target, ignore=shutil.ignore_patterns(".sops.yaml"))
        (target / "bench-rules").mkdir(exist_ok=True)
        (target / "bench-rules" / "synthetic.yaml").write_text(big_rule_file(i), encoding="utf-8")
    if (STACK / ".sops.yaml").exists():
        shutil.copy(STACK / ".sops.yaml", dest / ".sops.yaml")


def extract(tree: Path, out: Path) -> tuple[list[str], list[str]]:
    """Rule files (PrometheusRule specs) and Alertmanager configs (kube-prometheus-stack values)."""
    rules, ams = [], []
    for n, path in enumerate(sorted(tree.rglob("*.yaml"))):
        try:
            docs = list(yaml.load_all(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader))
        except (yaml.YAMLError, UnicodeDecodeError):
            continue
        for m, doc in enumerate(docs):
            if not isinstance(doc, dict):
                continue
            spec = doc.get("spec") if isinstance(doc.get("spec"), dict) else {}
            if doc.get("kind") == "PrometheusRule" and spec.get("groups"):
                f = out / f"rules-{n}-{m}.yaml"
                f.write_text(yaml.safe_dump({"groups": spec["groups"]}), encoding="utf-8")
                rules.append(str(f))
            config = ((spec.get("values") or {}).get("alertmanager") or {}).get("config")
            if doc.get("kind") == "HelmRelease" and isinstance(config, dict):
                f = out / f"am-{n}-{m}.yaml"
                f.write_text(yaml.safe_dump(config), encoding="utf-8")
                ams.append(str(f))
    return rules, ams


def measure(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one run."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def compile_checkout() -> None:
    """Bytecode for this checkout's obslint, as pip writes at install time (a run that compiles
    every module first would measure the compiler)."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "obslint")], check=True, stdout=subprocess.DEVNULL
    )


def obslint_argv(tree: Path, *extra: str) -> list[str]:
    """This checkout's obslint (with PYTHONPATH=ROOT, see checkout_env), not an installed one."""
    return [sys.executable, "-m", "obslint", "check", str(tree), *extra]


def checkout_env(**extra: str) -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT), **extra)


def tool(name: str) -> str | None:
    local = BIN / name
    return str(local) if local.exists() else shutil.which(name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 20, 40, 80])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not STACK.is_dir():
        print("reference-stack/ not found", file=sys.stderr)
        return 2
    compile_checkout()
    results: list[dict] = []
    print(f"{'size':>5} {'files':>6} {'tool':<13} {'median s':>9} {'peak MB':>8} {'/floor':>7} {'/yamllint':>9}")
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="obslint-bench-") as tmp:
            tree = Path(tmp) / "repo"
            generate(tree, size)
            extracted = Path(tmp) / "extracted"
            extracted.mkdir()
            rule_files, am_files = extract(tree, extracted)
            yaml_files = [str(p) for p in tree.rglob("*.y*ml")]
            cmds: dict[str, list[str] | None] = {
                # --no-cache: every run lints (the cache would answer the second and third)
                "obslint": obslint_argv(tree, "--fail-on", "error", "--no-cache"),
                "floor": [sys.executable, "-c", FLOOR, *yaml_files],
                "yamllint": [t, "-d", "relaxed", str(tree)] if (t := tool("yamllint")) else None,
                "k8s-validate": [t, *yaml_files] if (t := tool("kubernetes-validate")) else None,
                "promtool": [t, "check", "rules", *rule_files] if (t := tool("promtool")) and rule_files else None,
                "amlint": [t, "check", *am_files] if (t := tool("amlint")) and am_files else None,
            }
            row: dict[str, tuple[float, float]] = {}
            for name, argv in cmds.items():
                if argv is None:
                    continue
                runs = [measure(argv, tree, checkout_env()) for _ in range(args.runs)]
                row[name] = (statistics.median(r[0] for r in runs), max(r[1] for r in runs))
            floor = row["floor"][0]
            ylint = row.get("yamllint", (float("nan"), 0))[0]
            for name, (wall, mem) in row.items():
                print(
                    f"{size:>5} {len(yaml_files):>6} {name:<13} {wall:>9.3f} {mem:>8.0f} "
                    f"{wall / floor:>7.2f} {wall / ylint:>9.2f}"
                )
            results.append({"size": size, "files": len(yaml_files), **{k: v[0] for k, v in row.items()}})
    if len(results) > 1:
        first, last = results[0], results[-1]
        growth = (last["obslint"] / first["obslint"]) / (last["size"] / first["size"])
        print(
            f"obslint time grows {growth:.2f}x the size ratio from {first['size']} to {last['size']} copies "
            "(1.0 = linear)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
