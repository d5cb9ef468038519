"""FLUX: the Flux tree - dependency graph, references, kustomize paths, schemas."""

from obslint.model import flux as _flux_model  # noqa: F401  (registers "flux.graph")
from obslint.model import services as _services_model  # noqa: F401  ("flux.services", "flux.catalogue")
