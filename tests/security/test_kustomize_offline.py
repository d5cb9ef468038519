"""`kubectl kustomize` never fetches what a checked kustomization names, nor reads outside it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from obslint.tools import kustomize_builder, run_tool, sandbox
from tests.conftest import check, require_tool
from tests.secrets.helpers import flux_ks
from tests.security.fakes import recording_server

FLUX_KS = flux_ks("apps", "./apps", decryption=False)
CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: default\ndata:\n  a: b\n"

# Each way a kustomization names a file, with the URL kustomize would download.
FIELDS = {
    "transformers": "transformers:\n  - {url}/t.yaml\n",
    "generators": "generators:\n  - {url}/g.yaml\n",
    "validators": "validators:\n  - {url}/v.yaml\n",
    "crds": "crds:\n  - {url}/crd.json\n",
    "configurations": "configurations:\n  - {url}/conf.yaml\n",
    "patches.path": "patches:\n  - path: {url}/p.yaml\n",
    "patchesJson6902.path": (
        "patchesJson6902:\n  - target: {{kind: ConfigMap, name: settings}}\n    path: {url}/j.yaml\n"
    ),
    "patchesStrategicMerge": "patchesStrategicMerge:\n  - {url}/smp.yaml\n",
    "replacements.path": "replacements:\n  - path: {url}/r.yaml\n",
    "openapi.path": "openapi:\n  path: {url}/schema.json\n",
    "configMapGenerator.files": "configMapGenerator:\n  - name: x\n    files:\n      - key={url}/f.txt\n",
    "secretGenerator.envs": "secretGenerator:\n  - name: y\n    envs:\n      - {url}/e.env\n",
    "resources": "resources:\n  - {url}/r.yaml\n",
}


def _repo(tmp_path, extra: str, files: dict[str, str] | None = None):
    root = tmp_path / "repo"
    (root / "clusters" / "home").mkdir(parents=True)
    (root / "apps").mkdir()
    (root / "clusters" / "home" / "apps.yaml").write_text(FLUX_KS)
    (root / "apps" / "configmap.yaml").write_text(CONFIGMAP)
    (root / "apps" / "kustomization.yaml").write_text("resources:\n  - configmap.yaml\n" + extra)
    for rel, text in (files or {}).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def _skipped(result) -> bool:
    return any("nothing is fetched" in n and "Kustomization flux-system/apps" in n for n in result.notices)


def test_kubectl_itself_would_fetch_a_transformer_url(tmp_path):
    """The hazard is real: kubectl run plainly downloads a transformer named by URL."""
    kubectl = require_tool("kubectl")
    with recording_server() as (url, seen):
        root = _repo(tmp_path, FIELDS["transformers"].format(url=url))
        subprocess.run([kubectl, "kustomize", str(root / "apps")], capture_output=True, timeout=60, check=False)
    assert seen, "kubectl did not fetch: the test below would prove nothing"


@pytest.mark.parametrize("field", sorted(FIELDS))
def test_no_path_field_is_fetched(tmp_path, field):
    require_tool("kubectl")
    with recording_server() as (url, seen):
        result = check(_repo(tmp_path, FIELDS[field].format(url=url)), select=["FLUX009"])
    assert seen == []
    assert result.findings == [] and _skipped(result), result.notices


@pytest.mark.parametrize(
    "entry",
    ["git@127.0.0.1:org/repo//apps?ref=main", "ssh://git@127.0.0.1/org/repo", "/etc/hostname", "../../../outside"],
)
def test_git_remotes_and_paths_outside_are_refused(tmp_path, entry):
    require_tool("kubectl")
    result = check(_repo(tmp_path, f"transformers:\n  - {entry}\n"), select=["FLUX009"])
    assert result.findings == [] and _skipped(result), result.notices


def test_a_url_inside_a_transformer_config_is_refused(tmp_path):
    """A PatchTransformer loads its `path` like a kustomization field."""
    require_tool("kubectl")
    with recording_server() as (url, seen):
        config = textwrap.dedent(f"""\
            apiVersion: builtin
            kind: PatchTransformer
            metadata:
              name: p
            path: {url}/patch.yaml
            target:
              kind: ConfigMap
            """)
        root = _repo(tmp_path, "transformers:\n  - patcher.yaml\n", {"apps/patcher.yaml": config})
        result = check(root, select=["FLUX009"])
    assert seen == []
    assert result.findings == [] and _skipped(result), result.notices


def test_a_local_build_is_still_checked(tmp_path):
    """The guard does not switch the check off: a local mistake is still reported."""
    require_tool("kubectl")
    root = _repo(tmp_path, "patches:\n  - path: missing-patch.yaml\n")
    (finding,) = check(root, select=["FLUX009"]).findings
    assert "missing-patch.yaml" in finding.message


def test_tools_run_without_network(tmp_path):
    if not sandbox.network_isolated():
        pytest.skip("unprivileged network namespaces are not allowed here: the proxy variables are the only layer")
    with recording_server() as (url, seen):
        script = (
            "import contextlib, urllib.request\n"
            f"with contextlib.suppress(OSError):\n    urllib.request.urlopen({url!r}, timeout=5)"
        )
        res = run_tool([sys.executable, "-c", script])
    assert seen == [] and res.returncode == 0


def test_all_builds_share_one_time_budget(tmp_path, monkeypatch):
    """A build that never ends costs the budget once, then the rest is left unknown."""
    slow = tmp_path / "kubectl"
    slow.write_text("#!/bin/sh\nsleep 30\n")
    slow.chmod(0o755)
    monkeypatch.setenv("OBSLINT_KUBECTL", str(slow))
    monkeypatch.setattr(kustomize_builder, "BUDGET", 2)
    root = _repo(tmp_path, "")
    result = check(root, select=["FLUX009"])
    assert result.findings == []
    assert any("not built within the time budget" in n for n in result.notices), result.notices
    assert os.environ.get("OBSLINT_KUBECTL") == str(slow)


def test_a_huge_file_a_build_reads_is_never_held_in_memory(tmp_path, monkeypatch):
    """A generator input past the cap leaves its build unknown instead of being read whole."""
    require_tool("kubectl")
    from obslint.model.flux import build_inputs

    monkeypatch.setattr(build_inputs, "MAX_INPUT_BYTES", 1024)
    root = _repo(tmp_path, "configMapGenerator:\n  - name: big\n    files: [big.txt]\n", {"apps/big.txt": "x" * 4096})
    result = check(root, select=["FLUX009"])
    assert result.findings == []
    assert any("apps (a file it reads is too large)" in n for n in result.notices), result.notices
