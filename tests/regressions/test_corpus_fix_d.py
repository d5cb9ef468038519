"""Corpus false positives of FLUX002/FLUX003 and PROM009: Flux's generated kustomization, kustomize
builtin transformers listed under `transformers:`, and what must have applied before a
Kustomization runs.

Each case is a small repository in the shape of the reported one: the false finding is gone, and a
variant with the nearby true mistake still fires.
"""

from __future__ import annotations

from obslint.model.flux import flux_graph
from tests.flux.helpers import index_of
from tests.regressions.helpers import BOOTSTRAP, kustomization

CM = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: keep}\ndata: {a: b}\n"


def test_generated_kustomization_skips_nested_kustomizations_after_a_dash_sibling(repo):
    """Flux's generated kustomization takes a sub-directory with a kustomization.yaml as a whole
    and does not descend into it (fluxcd/pkg kustomize generator). `system-upgrade` sorts between
    `system` and `system/volsync/app`: that app is still inside `system`. Reported: PROM009 on
    one PrometheusRule, rendered by both the root and its own Kustomization."""
    files = (
        BOOTSTRAP
        + "-- clusters/home/apps.yaml --\n"
        + kustomization("apps", "./apps")
        + "-- apps/system/kustomization.yaml --\nresources: [volsync.yaml]\n"
        + "-- apps/system/volsync.yaml --\n"
        + kustomization("volsync", "./apps/system/volsync/app")
        + "-- apps/system/volsync/app/kustomization.yaml --\nresources: [cm.yaml]\n"
        + "-- apps/system/volsync/app/cm.yaml --\n"
        + CM
        + "-- apps/system-upgrade/kustomization.yaml --\nresources: [cm.yaml]\n"
        + "-- apps/system-upgrade/cm.yaml --\n"
        + CM.replace("name: cm,", "name: upgrade,")
    )
    g = flux_graph(index_of(repo(files)))
    appliers = sorted(k.name for k in g.kustomizations for o in k.applies if o.file.rel.endswith("volsync/app/cm.yaml"))
    assert appliers == ["volsync"]
