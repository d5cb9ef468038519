"""FLUX: the Flux tree - dependency graph, references, kustomize paths, schemas."""

from obslint.model import services as _services_model  # noqa: F401  ("flux.services", "flux.catalogue")
from obslint.rules.flux import build as _build  # noqa: F401
from obslint.rules.flux import chart_values as _chart_values  # noqa: F401  (FLUX051, FLUX052)
from obslint.rules.flux import charts as _charts  # noqa: F401
from obslint.rules.flux import deps as _deps  # noqa: F401
from obslint.rules.flux import paths as _paths  # noqa: F401
from obslint.rules.flux import refs as _refs  # noqa: F401
from obslint.rules.flux import schema as _schema  # noqa: F401  (FLUX050)
from obslint.rules.flux import unapplied as _unapplied  # noqa: F401
