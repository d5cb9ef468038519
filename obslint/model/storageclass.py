"""StorageClasses whose volumes are directories on the node: the claimed size is no cap.

A PersistentVolumeClaim's `resources.requests.storage` limits the data only when the provisioner
makes a volume of that size (a block device, a filesystem with a quota). HostPath-style
provisioners hand out a directory on the node's disk: the request is recorded on the
PersistentVolume and nothing enforces it, so the volume is full when the node's disk is.

* `rancher.io/local-path` (local-path-provisioner, also k3s's bundled `local-path` class): "No
  support for the volume capacity limit currently. The capacity limit will be ignored for now."
  (https://github.com/rancher/local-path-provisioner README, Cons), unless the class sets
  `parameters.quotaEnforcement` (examples/xfs-quota: an XFS project quota per volume). Its chart,
  local-path-provisioner, renders the class `storageClass.name` (default `local-path`).
* `openebs.io/local` with StorageType `hostpath` (the default; OpenEBS Local PV Hostpath, default
  class `openebs-hostpath`): a directory under BasePath, with a quota only when `XFSQuota` or
  `EXT4Quota` is enabled in the `cas.openebs.io/config` annotation
  (https://openebs.io/docs/user-guides/local-storage-user-guide/local-pv-hostpath/configuration/hostpath-storageclass-parameters).
  The openebs and localpv-provisioner charts render it from `hostpathClass` (`name`,
  `xfsQuota.enabled`, `ext4Quota.enabled`), under `localprovisioner` (openebs 3.x) or
  `localpv-provisioner` (openebs 4.x).
* democratic-csi with `driver: local-hostpath`: a "crude local-hostpath driver which simply creates
  directories to be mounted" (democratic-csi src/driver/controller-local-hostpath/index.js). The
  chart renders its `storageClasses` with provisioner `csiDriver.name`; the project's examples
  name it `org.democratic-csi.local-hostpath`. The XFS variant (`local-xfs-hostpath`) sets quotas.

A class name is looked up in the repository (StorageClass objects and the classes those charts
render from HelmRelease values): it is hostPath-style when every definition found is. A name the
repository does not define is hostPath-style when it is one of the defaults `local-path` and
`openebs-hostpath`. Anything else: the request is taken as the volume's size.
"""

from __future__ import annotations

from typing import Any

from obslint.index import Index, memoised
from obslint.load import YMap
from obslint.model.helm import releases_of_chart, values_bool
from obslint.objects import dig

DEFAULT_HOSTPATH_CLASSES = frozenset({"local-path", "openebs-hostpath"})
_DEFAULT_ANNOTATION = "storageclass.kubernetes.io/is-default-class"
_OPENEBS_CONFIG = "cas.openebs.io/config"
_OPENEBS_HOSTPATH_PATHS = (("localprovisioner",), ("localpv-provisioner",), ())


def _openebs_hostpath(index: Index, annotations: dict) -> bool:
    """An openebs.io/local class holding a hostpath volume without a quota."""
    raw = annotations.get(_OPENEBS_CONFIG)
    if raw is None:
        return True  # no cas config: StorageType hostpath, no quota
    emb = index.embedded_yaml(annotations, _OPENEBS_CONFIG) if isinstance(annotations, YMap) else None
    entries = emb.data if emb is not None and not emb.problems else None  # unreadable: not known hostPath-style
    if not isinstance(entries, list):
        return False
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        name = entry.get("name")
        if name == "StorageType" and str(entry.get("value", "hostpath")).lower() != "hostpath":
            return False
        if name in ("XFSQuota", "EXT4Quota") and values_bool(entry.get("enabled"), False):
            return False
    return True


def _democratic_local_hostpath(provisioner: str) -> bool:
    parts = provisioner.split(".")
    return "local-hostpath" in parts and "democratic-csi" in parts


def hostpath_provisioner(index: Index, provisioner: Any, parameters: Any, annotations: Any) -> bool:
    """Whether a StorageClass with this provisioner, parameters and annotations makes directories
    whose size nothing enforces."""
    if not isinstance(provisioner, str):
        return False
    params = parameters if isinstance(parameters, dict) else {}
    notes = annotations if isinstance(annotations, dict) else {}
    if provisioner == "rancher.io/local-path":
        return str(params.get("quotaEnforcement") or "").strip() == ""
    if provisioner == "openebs.io/local":
        return _openebs_hostpath(index, notes)
    return _democratic_local_hostpath(provisioner)


def _chart_classes(index: Index) -> list[tuple[str, bool, bool]]:
    """(name, hostPath-style, default) of the StorageClasses the storage charts render."""
    out: list[tuple[str, bool, bool]] = []
    for hr in releases_of_chart(index, "local-path-provisioner"):
        name = hr.value("storageClass", "name", default="local-path")
        if isinstance(name, str) and values_bool(hr.value("storageClass", "create"), True):
            out.append((name, True, values_bool(hr.value("storageClass", "defaultClass"), False)))
    for hr in releases_of_chart(index, "openebs", "localpv-provisioner"):
        for prefix in _OPENEBS_HOSTPATH_PATHS:
            cls = hr.value(*prefix, "hostpathClass")
            if not isinstance(cls, dict) or not values_bool(cls.get("enabled"), True):
                continue
            name = cls.get("name", "openebs-hostpath")
            quota = any(values_bool(dig(cls, q, "enabled"), False) for q in ("xfsQuota", "ext4Quota"))
            if isinstance(name, str):
                out.append((name, not quota, values_bool(cls.get("isDefaultClass"), False)))
    for hr in releases_of_chart(index, "democratic-csi"):
        hostpath = hr.value("driver", "config", "driver") == "local-hostpath"
        classes = hr.value("storageClasses")
        for cls in classes if isinstance(classes, list) else ():
            if isinstance(cls, dict) and isinstance(cls.get("name"), str):
                out.append((cls["name"], hostpath, values_bool(cls.get("defaultClass"), False)))
    return out


@memoised
def storage_class_definitions(index: Index) -> list[tuple[str, bool, bool]]:
    """(name, hostPath-style, default) of every StorageClass the repository defines."""
    out: list[tuple[str, bool, bool]] = []
    for obj in index.of_kind("StorageClass", group="storage.k8s.io"):
        hostpath = hostpath_provisioner(index, obj.get("provisioner"), obj.get("parameters"), obj.annotations)
        default = str(obj.annotations.get(_DEFAULT_ANNOTATION, "")).lower() == "true"
        out.append((obj.name, hostpath, default))
    out.extend(_chart_classes(index))
    return out


def hostpath_class(index: Index, name: Any) -> bool:
    """Whether PersistentVolumeClaims of StorageClass `name` (None: the default class) are
    directories whose requested size nothing enforces."""
    definitions = storage_class_definitions(index)
    if name is None:
        found = [hostpath for _, hostpath, default in definitions if default]
        return bool(found) and all(found)
    if not isinstance(name, str) or not name:
        return False  # "" binds a pre-made PersistentVolume: its kind is unknown
    found = [hostpath for defined, hostpath, _ in definitions if defined == name]
    if found:
        return all(found)
    return name in DEFAULT_HOSTPATH_CLASSES
