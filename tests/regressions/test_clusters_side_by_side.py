"""Several clusters in one repository, each a copy of reference-stack/ (or sharing its base).

Each cluster is bootstrapped the way `flux bootstrap --path=clusters/<name>` leaves it: a
`flux-system` Kustomization in clusters/<name>/flux-system/gotk-sync.yaml that applies its own
directory, so each is a cluster root of its own (obslint.model.flux.clusters). Every lookup
happens inside one cluster: identical names in other clusters neither satisfy nor collide, and a
finding that arises alike in several clusters (a shared base) is reported once, naming them all.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import REFERENCE_STACK, check
from tests.mutations import MUTATIONS, StackCopy
from tests.test_mutations import mutations_pkg  # noqa: F401  (registers every mutation module)

# 50 clusters check in about 3 s on one core (bench: `python -m tests.regressions.test_clusters_side_by_side`)
SIZES = (2, 5, 50)  # the clean layouts; a planted mistake is checked up to MISTAKE_SIZES
MISTAKE_SIZES = (2, 20)


# Mutations whose rules reason per cluster; each makes one finding in the copy it edits.
ONE_COPY_MUTATIONS = [
    "helmrepository-renamed",  # FLUX001
    "alloy-without-depends-on",  # FLUX002
    "kube-prometheus-stack-kustomization-does-not-wait",  # FLUX003
    "orphan-manifest",  # FLUX007
    "kustomize-duplicate-resource",  # FLUX009
    "default-receiver-null",  # AM003
    "flux-provider-address-typo",  # AM008
    "loki-ruler-alertmanager-wrong-port",  # LOKI006
    "loki-rules-sidecar-watches-other-namespace",  # LOKI008
]


class ClusterCopy(StackCopy):
    """One cluster's copy of the stack at clusters/<name>/: the reference stack's clusters/home
    is the cluster directory itself, its infrastructure/ sits beside it."""

    def path(self, rel: str) -> Path:
        return self.root / rel.removeprefix("clusters/home/")


def _cluster_files(dst: Path, name: str, infrastructure: str) -> None:
    """The reference cluster directory at dst, syncing ./clusters/<name> and applying the
    infrastructure under `infrastructure`."""
    shutil.copytree(REFERENCE_STACK / "clusters" / "home", dst)
    for path in dst.rglob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        path.write_text(
            text.replace("path: ./clusters/home", f"path: ./clusters/{name}").replace(
                "path: ./infrastructure/", f"path: ./{infrastructure}/"
            ),
            encoding="utf-8",
        )


def _names(n: int) -> list[str]:
    return [f"site{i:02d}" for i in range(n)]


def copies(root: Path, n: int) -> list[str]:
    """n clusters, each with its own copy of the whole stack under clusters/<name>/."""
    for name in _names(n):
        _cluster_files(root / "clusters" / name, name, f"clusters/{name}/infrastructure")
        shutil.copytree(REFERENCE_STACK / "infrastructure", root / "clusters" / name / "infrastructure")
    shutil.copy(REFERENCE_STACK / ".sops.yaml", root / ".sops.yaml")
    return _names(n)


def shared_base(root: Path, n: int) -> list[str]:
    """n cluster directories that all apply the one infrastructure/ at the repository root."""
    for name in _names(n):
        _cluster_files(root / "clusters" / name, name, "infrastructure")
    shutil.copytree(REFERENCE_STACK / "infrastructure", root / "infrastructure")
    shutil.copy(REFERENCE_STACK / ".sops.yaml", root / ".sops.yaml")
    return _names(n)


def _detail(findings) -> str:
    return "\n".join(f"{f.loc}: {f.rule} {f.message} {sorted(f.clusters)}" for f in findings)


def _only(result, rules: frozenset[str]):
    """The one finding of the run, of the expected rule."""
    assert not result.errors, result.errors
    assert [f.rule for f in result.findings] == sorted(rules), _detail(result.findings)
    return result.findings[0]


@pytest.mark.parametrize(
    ("layout", "n"),
    [pytest.param(copies, n, id=f"copies-{n}") for n in SIZES]
    + [pytest.param(shared_base, n, id=f"shared_base-{n}") for n in MISTAKE_SIZES],
)
def test_clusters_side_by_side_are_clean(layout, n, tmp_path):
    layout(tmp_path, n)
    result = check(tmp_path)
    assert not result.errors, result.errors
    assert result.findings == [], _detail(result.findings)


@pytest.mark.parametrize(
    ("n", "mutation"),
    [(n, m) for n in MISTAKE_SIZES for m in ONE_COPY_MUTATIONS[:2]]
    + [(5, m) for m in ONE_COPY_MUTATIONS[2:]]
    + [(5, "route-to-undefined-receiver"), (5, "alert-defined-twice")],
)
def test_mistake_in_one_copy_fires_for_that_cluster_only(n, mutation, tmp_path):
    names = copies(tmp_path, n)
    broken = names[n // 2]
    m = MUTATIONS[mutation]
    m.edit(ClusterCopy(tmp_path / "clusters" / broken))
    finding = _only(check(tmp_path), m.expect)
    assert finding.clusters == {f"clusters/{broken}"}
    assert finding.loc.path.startswith(f"clusters/{broken}/")


@pytest.mark.parametrize("n", MISTAKE_SIZES)
@pytest.mark.parametrize(
    "mutation",
    [
        "helmrepository-renamed",
        "default-receiver-null",
        "kustomize-duplicate-resource",
    ],
)
def test_mistake_in_the_shared_base_is_one_finding_naming_every_cluster(n, mutation, tmp_path):
    names = shared_base(tmp_path, n)
    m = MUTATIONS[mutation]
    m.edit(StackCopy(tmp_path))
    finding = _only(check(tmp_path), m.expect)
    assert finding.clusters == {f"clusters/{name}" for name in names}
    assert finding.loc.path.startswith("infrastructure/")


def _bench() -> None:
    """Time the check of n copies side by side (one process, warm kustomize cache after the first)."""
    import tempfile
    import time

    for n in SIZES:
        with tempfile.TemporaryDirectory() as tmp:
            copies(Path(tmp), n)
            start = time.perf_counter()
            findings = check(tmp).findings
            print(f"{n:3d} clusters: {time.perf_counter() - start:.2f} s, {len(findings)} findings")


if __name__ == "__main__":
    _bench()
