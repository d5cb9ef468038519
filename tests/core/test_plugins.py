"""A third-party package adds rules through the `obslint.rules` entry point group."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_third_party_rule_is_loaded_and_runs(tmp_path):
    site = tmp_path / "site"
    pkg = site / "acme_obslint"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text(
        textwrap.dedent(
            """
            from obslint.findings import Finding
            from obslint.rules import Basis, rule

            @rule("ACME001", "namespace-needs-owner", "warning", "Namespaces carry an owner label",
                  basis=Basis.ASSUMPTION, why="Ownership.",
                  failing="apiVersion: v1\\nkind: Namespace\\nmetadata:\\n  name: a\\n",
                  passing="apiVersion: v1\\nkind: Namespace\\nmetadata:\\n  name: a\\n  labels: {owner: x}\\n",
                  fix="Add the label.")
            def check(ctx):
                for ns in ctx.index.of_kind("Namespace"):
                    if "owner" not in ns.labels:
                        yield Finding(ns.loc("metadata"), f"Namespace {ns.name} has no owner label")
            """
        )
    )
    dist = site / "acme_obslint-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-obslint\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[obslint.rules]\nacme = acme_obslint\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "ns.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n")
    env_code = (
        f"import sys; sys.path.insert(0, {str(site)!r}); from obslint.cli import main; "
        f"raise SystemExit(main(['check', {str(repo)!r}, '--select', 'ACME001', '--format', 'github']))"
    )
    proc = subprocess.run([sys.executable, "-c", env_code], capture_output=True, text=True, check=False)
    assert proc.returncode == 1, proc.stderr
    assert "title=ACME001 namespace-needs-owner::Namespace apps has no owner label" in proc.stdout
    rules = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sys; sys.path.insert(0, {str(site)!r}); from obslint.cli import main; main(['rules'])",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "ACME001" in rules.stdout and "FLUX002" in rules.stdout
