"""The VMSingle or VMCluster a VMAlert queries: its `spec.datasource.url`
(api/operator/v1beta1/vmalert_types.go VMAlertDatasourceSpec) named by the Service the operator creates
for it, `vmsingle-<name>` or `vmselect-<name>` (VictoriaMetrics/operator api/operator/v1beta1
vmsingle_types.go / vmcluster_types.go PrefixedName), in the namespace the host names (the VMAlert's own
when it names none).

The VMAlert of a victoria-metrics-k8s-stack release queries the release's own VMSingle when
`vmsingle.enabled`, its VMCluster's vmselect when `vmcluster.enabled`: the chart's read endpoint
overwrites `vmalert.spec.datasource` (templates/_helpers.tpl `vm.alert.remotes`, merged with
mergeOverwrite in `vm.alert.spec`); with neither, `vmalert.spec.datasource.url` as written.
A URL that names no store of the repository gives none: the retention reach is then not judged.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from obslint.index import Index
from obslint.model.helm import values_bool
from obslint.model.storage import TSDBStore, tsdb_stores
from obslint.model.vm_selection import VMOwner
from obslint.objects import dig

_PREFIXES = {"vmsingle-": "vmsingle", "vmselect-": "vmcluster"}


def _by_url(stores: list[TSDBStore], url: str, namespace: str | None) -> list[TSDBStore]:
    try:
        host = urlsplit(url if "://" in url else f"http://{url}").hostname or ""
    except ValueError:
        return []
    name, _, rest = host.partition(".")
    ns = rest.split(".", 1)[0] if rest else namespace
    for prefix, component in _PREFIXES.items():
        if name.startswith(prefix):
            target = name[len(prefix) :]
            return [s for s in stores if s.component == component and s.name == target and s.namespace == ns]
    return []


def datasource_stores(index: Index, owner: VMOwner) -> list[TSDBStore]:
    """The stores a VMAlert evaluates its rules against ([] when not known)."""
    stores = [s for s in tsdb_stores(index) if s.origin.cluster == owner.cluster]
    if owner.via == "crd":
        url = dig(owner.origin.get("spec"), "datasource", "url")
        return _by_url(stores, url, owner.namespace) if isinstance(url, str) and "${" not in url else []
    rel = owner.helm
    if rel is None:
        return []
    own = [s for s in stores if s.component == "vmsingle" and s.origin is rel.obj]
    if own:  # the release renders a VMSingle (obslint.model.victoriametrics): the chart reads from it
        return own
    if values_bool(rel.value("vmsingle", "enabled"), True):
        return []  # a VMSingle whose version is not known: not modelled
    # the VMSingle is off: the chart reads from its VMCluster's vmselect when that is on
    own = [s for s in stores if s.component == "vmcluster" and s.origin is rel.obj]
    if own or values_bool(rel.value("vmcluster", "enabled"), False):
        return own  # [] when the VMCluster's version is not known
    url = rel.value("external", "vm", "read", "url") or rel.value("vmalert", "spec", "datasource", "url")
    return _by_url(stores, url, owner.namespace) if isinstance(url, str) and "${" not in url else []
