"""The reference stack with one more system: the files under tests/systems/fixtures/<system>/ laid
over a copy of reference-stack/, each new YAML file listed in its directory's kustomization.yaml
(other files are data its wiring reads), and the system's HelmRepository added beside the stack's
others."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import REFERENCE_STACK
from tests.mutations import StackCopy

FIXTURES = Path(__file__).parent / "fixtures"
REPOS = "infrastructure/monitoring/namespace-and-repos/helmrepositories.yaml"

# The Helm repositories the systems' charts are published in (each project's install docs).
HELM_REPOSITORIES = {
    "vector": "https://helm.vector.dev",
    "falcosecurity": "https://falcosecurity.github.io/charts",
    "robusta": "https://robusta-charts.storage.googleapis.com",
}


KPS = "infrastructure/monitoring/kube-prometheus-stack/helmrelease.yaml"
# Robusta's Alertmanager receiver and the route that sends every alert to it, then on
# (https://docs.robusta.dev/master/configuration/alertmanager-integration/outofcluster-prometheus.html).
ROBUSTA_ROUTE = "            - receiver: robusta\n              continue: true\n"
ROBUSTA_RECEIVER = (
    "          - name: robusta\n"
    "            webhook_configs:\n"
    "              - url: http://robusta-runner.monitoring.svc.cluster.local/api/alerts\n"
    "                send_resolved: true\n"
)


def _robusta_receiver(stack: StackCopy) -> None:
    stack.replace(KPS, "          routes:\n", "          routes:\n" + ROBUSTA_ROUTE)
    stack.replace(KPS, "        receivers:\n", "        receivers:\n" + ROBUSTA_RECEIVER)


VECTOR_TOML_KUSTOMIZATION = "infrastructure/monitoring/alloy/kustomization.yaml"


def _vector_toml_agent_config(stack: StackCopy) -> None:
    """The agent's TOML file made into the ConfigMap its HelmRelease mounts (no hash suffix: the
    chart's `existingConfigMaps` names it as written)."""
    stack.append(
        VECTOR_TOML_KUSTOMIZATION,
        "configMapGenerator:\n"
        "  - name: vector-toml-agent-config\n"
        "    namespace: monitoring\n"
        "    files: [vector.toml=vector-toml-agent.toml]\n"
        "    options: {disableNameSuffixHash: true}\n",
    )


# What a system changes in the stack beside its own files (after they are laid).
WIRING = {"robusta": _robusta_receiver, "vector-toml": _vector_toml_agent_config}


def add_system(stack: StackCopy, system: str, repository: str) -> list[str]:
    """Lay the system's fixture over the stack; the paths it added, relative to the stack."""
    added: list[str] = []
    base = FIXTURES / system
    for src in sorted(p for p in base.rglob("*") if p.is_file()):
        rel = src.relative_to(base).as_posix()
        stack.write(rel, src.read_text(encoding="utf-8"))
        added.append(rel)
        if src.suffix == ".yaml":
            kustomization = Path(rel).parent / "kustomization.yaml"
            stack.append(kustomization.as_posix(), f"  - {Path(rel).name}\n")
    if system in WIRING:
        WIRING[system](stack)
    stack.append(
        REPOS,
        f"---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: {repository}\n"
        f"  namespace: monitoring\nspec:\n  interval: 12h\n  url: {HELM_REPOSITORIES[repository]}\n",
    )
    return added


def stack_with(tmp_path: Path, system: str, repository: str) -> StackCopy:
    """A fresh copy of the reference stack with the system added."""
    root = tmp_path / "stack"
    shutil.copytree(REFERENCE_STACK, root, symlinks=True)
    stack = StackCopy(root)
    add_system(stack, system, repository)
    return stack
