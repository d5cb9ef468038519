"""The Flux model: clusters, Kustomizations as applied in each, and the objects as rendered there.

- kinds.py: API groups, cluster-scoped kinds, path helpers;
- kustomize_files.py: kustomization.yaml files;
- build.py: what kustomize builds from a directory;
- kustomization.py: a Flux Kustomization's spec as applied;
- sources.py: which sources are this repository;
- clusters.py: cluster roots;
- world.py: rendering every cluster from its root;
- graph.py: the result, with lookups scoped to clusters;
- needs.py: install-order needs and dependsOn verdicts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from obslint.model.flux.graph import FluxGraph
from obslint.model.flux.kinds import (
    BOOTSTRAP_NAMESPACE,
    CLUSTER_SCOPED,
    KUSTOMIZATION_FILES,
    KUSTOMIZE_GROUP,
    NOTIFICATION_GROUP,
    SOURCE_GROUP,
    below,
    is_remote,
    norm_path,
)
from obslint.model.flux.kustomization import FluxKustomization
from obslint.model.flux.kustomize_files import Entry, KustomizeFile

if TYPE_CHECKING:
    from obslint.index import Index


def flux_graph(index: Index) -> FluxGraph:
    """The Flux model the index was rendered with."""
    assert index.graph is not None, "Index.build renders the Flux model"
    return index.graph


def flux_needs(index: Index):
    from obslint.model.flux.needs import flux_needs as needs

    return needs(index)


__all__ = [
    "BOOTSTRAP_NAMESPACE",
    "CLUSTER_SCOPED",
    "KUSTOMIZATION_FILES",
    "KUSTOMIZE_GROUP",
    "NOTIFICATION_GROUP",
    "SOURCE_GROUP",
    "Entry",
    "FluxGraph",
    "FluxKustomization",
    "KustomizeFile",
    "below",
    "flux_graph",
    "flux_needs",
    "is_remote",
    "norm_path",
]
