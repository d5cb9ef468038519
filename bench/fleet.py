#!/usr/bin/env python3
"""Benchmark `obslint check` on a fleet: N correct clusters, each a copy of reference-stack/.

Each cluster is the whole reference stack under clusters/<name>/ with its own Flux root: the
flux-system Kustomization's path and every Flux Kustomization path point into that copy, so every
cluster is exactly as correct as reference-stack/ alone. For each size the table gives:

  obslint cold   obslint check with an empty cache (--no-cache on a fresh cache directory)
  obslint warm   obslint check again on the unchanged tree, cache filled by the run before
  yamllint       yamllint -d relaxed on the tree (when installed)
  floor          parsing every YAML file with PyYAML's C loader and nothing else
  kubectl        kubectl processes the cold run started (counted through a wrapper script)

Wall times are medians of --runs runs; peak memory is the child's max RSS (wait4).
Usage: .venv/bin/python bench/fleet.py [--sizes 40 200] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STACK = ROOT / "reference-stack"
sys.path.insert(0, str(ROOT / "bench"))
from bench import FLOOR, checkout_env, compile_checkout, measure, obslint_argv, tool  # noqa: E402

_FLUX_PATH = re.compile(r"^(\s*path:\s*)\./", re.MULTILINE)


def cluster_name(i: int) -> str:
    return f"c{i:03d}"


def generate(dest: Path, clusters: int) -> None:
    """clusters/<name>/ = reference-stack/ with every Flux Kustomization path prefixed by
    ./clusters/<name>/ (paths in Flux are relative to the repository root)."""
    for i in range(clusters):
        name = cluster_name(i)
        target = dest / "clusters" / name
        shutil.copytree(STACK, target, ignore=shutil.ignore_patterns(".sops.yaml", "README.md"))
        for path in target.rglob("*.yaml"):
            text = path.read_text(encoding="utf-8")
            if "kustomize.toolkit.fluxcd.io" in text:
                path.write_text(_FLUX_PATH.sub(rf"\g<1>./clusters/{name}/", text), encoding="utf-8")
    shutil.copy(STACK / ".sops.yaml", dest / ".sops.yaml")


def counting_kubectl(directory: Path, log: Path) -> Path | None:
    """A kubectl that appends a line to `log` for each start, then runs the real one."""
    real = tool("kubectl")
    if real is None:
        return None
    wrapper = directory / "kubectl"
    wrapper.write_text(f'#!/bin/sh\necho x >> "{log}"\nexec "{real}" "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    return wrapper


def obslint_env(cache: Path, kubectl: Path | None) -> dict[str, str]:
    env = checkout_env(OBSLINT_CACHE_DIR=str(cache))
    if kubectl is not None:
        env["OBSLINT_KUBECTL"] = str(kubectl)
    return env


def check_correct(tree: Path, env: dict[str, str]) -> str:
    """What obslint reports on the fleet beyond what it reports on reference-stack/ alone."""
    fleet = subprocess.run(obslint_argv(tree, "--no-cache"), env=env, capture_output=True, text=True)
    alone = subprocess.run(obslint_argv(STACK, "--no-cache"), env=env, capture_output=True, text=True)
    return "" if fleet.returncode == alone.returncode == 0 else fleet.stdout[-2000:]


def bench_size(size: int, runs: int, work: Path) -> dict[str, float]:
    tree = work / "repo"
    generate(tree, size)
    yaml_files = [str(p) for p in tree.rglob("*.y*ml")]
    files = sum(1 for p in tree.rglob("*") if p.is_file())
    log = work / "kubectl.log"
    env = obslint_env(work / "cache", counting_kubectl(work, log))
    problem = check_correct(tree, env)
    if problem:
        print(f"fleet of {size} is not correct:\n{problem}", file=sys.stderr)
    cold, cold_mem, starts = [], 0.0, []
    for _ in range(runs):
        log.unlink(missing_ok=True)
        shutil.rmtree(work / "cache", ignore_errors=True)
        wall, mem = measure(obslint_argv(tree), tree, env)
        cold.append(wall)
        cold_mem = max(cold_mem, mem)
        starts.append(len(log.read_text().splitlines()) if log.exists() else 0)
    warm = [measure(obslint_argv(tree), tree, env)[0] for _ in range(runs)]
    floor = statistics.median(measure([sys.executable, "-c", FLOOR, *yaml_files], tree)[0] for _ in range(runs))
    ylint_bin = tool("yamllint")
    ylint = (
        statistics.median(measure([ylint_bin, "-d", "relaxed", str(tree)], tree)[0] for _ in range(runs))
        if ylint_bin
        else float("nan")
    )
    cold_s = statistics.median(cold)
    return {
        "size": size,
        "files": files,
        "cold": cold_s,
        "warm": statistics.median(warm),
        "yamllint": ylint,
        "floor": floor,
        "mb": cold_mem,
        "kb_per_file": cold_mem * 1024 / files,
        "kubectl": max(starts),
    }


def reference_stack(runs: int, work: Path) -> tuple[float, float]:
    """Median wall time of `obslint check reference-stack`, cold and warm cache."""
    env = obslint_env(work / "ref-cache", None)
    cold = []
    for _ in range(runs):
        shutil.rmtree(work / "ref-cache", ignore_errors=True)
        cold.append(measure(obslint_argv(STACK), ROOT, env)[0])
    warm = [measure(obslint_argv(STACK), ROOT, env)[0] for _ in range(runs)]
    return statistics.median(cold), statistics.median(warm)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[40, 200])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    compile_checkout()
    load = os.getloadavg()
    print(f"{os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    rows = []
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="obslint-fleet-") as tmp:
            rows.append(bench_size(size, args.runs, Path(tmp)))
    header = (
        "| clusters | files | obslint cold s | obslint warm s | yamllint s | floor s | cold / yamllint "
        "| cold / floor | peak MB | KB / file | kubectl runs |"
    )
    print(header)
    print("|" + "---:|" * (header.count("|") - 1))
    for r in rows:
        print(
            f"| {r['size']} | {r['files']} | {r['cold']:.2f} | {r['warm']:.2f} | {r['yamllint']:.2f} | "
            f"{r['floor']:.2f} | {r['cold'] / r['yamllint']:.2f} | {r['cold'] / r['floor']:.2f} | "
            f"{r['mb']:.0f} | {r['kb_per_file']:.0f} | {r['kubectl']} |"
        )
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        growth = (last["cold"] / first["cold"]) / (last["size"] / first["size"])
        print(f"cold time grows {growth:.2f}x the size ratio from {first['size']} to {last['size']} (1.0 = linear)")
    with tempfile.TemporaryDirectory(prefix="obslint-fleet-") as tmp:
        cold, warm = reference_stack(max(args.runs, 5), Path(tmp))
    print(f"obslint check reference-stack: {cold:.2f} s cold, {warm:.2f} s warm (median)")
    load = os.getloadavg()
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
