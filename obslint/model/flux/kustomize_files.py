"""kustomization.yaml files, read into what a build needs: entries, generators, patches, transformers.

Fields follow kustomize's Kustomization type (sigs.k8s.io/kustomize/api/types/kustomization.go):
`resources`/`bases`, `components`, `namespace`, `namePrefix`/`nameSuffix`, `commonLabels`,
`labels` (pairs), `commonAnnotations`, `patches`, `patchesStrategicMerge`, `patchesJson6902`,
`configMapGenerator`/`secretGenerator` with `generatorOptions`, and the file lists (`crds`,
`configurations`, `replacements`, ...). Nothing is fetched: a remote resource is only noted.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Any

from obslint.findings import Loc
from obslint.load import SourceFile, YMap, YSeq
from obslint.model.flux.kinds import inside, is_remote, norm_path

# the fields whose files are ConfigMap/Secret data (kustomize reads them as text, never as objects)
GENERATOR_FIELDS = ("configMapGenerator", "secretGenerator")


@dataclass(eq=False)
class Entry:
    """One path-like entry of a kustomization.yaml (resource, component, patch, generator file)."""

    field: str  # "resources", "components", "patches", "secretGenerator", ...
    value: str
    loc: Loc
    target: str  # resolved path relative to the repo root; "" when remote or outside the tree


@dataclass(frozen=True)
class NameRef:
    """One fieldSpec of a kustomize `nameReference` transformer configuration: the name of a
    `kind` object (e.g. a generated ConfigMap) is also rewritten at `path` of `field_kind` objects."""

    kind: str
    field_kind: str | None  # None: any kind
    field_group: str | None  # None: any group
    path: str  # "spec/valuesFrom/name"

    def matches(self, kind: str, obj_kind: str, obj_group: str, path: str) -> bool:
        return (
            self.kind == kind
            and self.field_kind in (None, obj_kind)
            and self.field_group in (None, obj_group)
            and self.path == path
        )


def name_refs(data: Any) -> list[NameRef]:
    """nameReference entries of a kustomize transformer configuration file (`configurations:`).

    Format (kustomize api/konfig/builtinpluginconsts/namereference.go and the
    examples/transformerconfigs docs): `nameReference: [{kind, version?, group?, fieldSpecs:
    [{kind?, group?, version?, path}]}]`. Sequences on a path are traversed implicitly, so
    `spec/valuesFrom/name` covers every valuesFrom entry."""
    out: list[NameRef] = []
    refs = data.get("nameReference") if isinstance(data, dict) else None
    for ref in refs if isinstance(refs, list) else ():
        if not isinstance(ref, dict) or not isinstance(ref.get("kind"), str):
            continue
        specs = ref.get("fieldSpecs")
        for spec in specs if isinstance(specs, list) else ():
            if not isinstance(spec, dict) or not isinstance(spec.get("path"), str):
                continue
            kind, group = spec.get("kind"), spec.get("group")
            path = "/".join(p.removesuffix("[]") for p in spec["path"].strip("/").split("/"))
            out.append(
                NameRef(
                    ref["kind"],
                    kind if isinstance(kind, str) and kind else None,
                    group if isinstance(group, str) and group else None,
                    path,
                )
            )
    return out


@dataclass(eq=False)
class Generator:
    """A configMapGenerator / secretGenerator entry: the object it makes and where its data comes from."""

    kind: str  # "ConfigMap" | "Secret"
    name: str
    namespace: str | None  # given on the generator
    hashed: bool  # kustomize appends a content hash to the name
    loc: Loc
    node: YMap  # the generator entry itself
    behavior: str  # create | merge | replace
    literals: list[tuple[str, str, Loc]] = field(default_factory=list)  # key, value, where
    files: list[tuple[str, Entry]] = field(default_factory=list)  # data key, file
    envs: list[Entry] = field(default_factory=list)  # dotenv files: one key per line
    # labels and annotations of the object: generatorOptions' under the generator's own options'
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    labels_loc: Loc | None = None  # where those labels are written (else the generator's name)
    namespace_loc: Loc | None = None  # where its namespace is written (generator or kustomization)


@dataclass(eq=False)
class PatchSpec:
    """One patch of a kustomization.yaml or of a Flux Kustomization's `spec.patches`: inline text
    (`container[key]`) or a file, with an optional target selector."""

    field: str  # patches | patchesStrategicMerge | patchesJson6902 | spec.patches
    loc: Loc
    file: Entry | None = None
    inline: tuple[YMap | YSeq, Any] | None = None  # (container, key) of the patch text
    target: dict | None = None  # kustomize selector: group, version, kind, name, namespace, labelSelector...
    options: dict = field(default_factory=dict)  # allowNameChange, allowKindChange


@dataclass(eq=False)
class TransformerSpec:
    """One `transformers:` entry: inline config text (`container[key]`), or a file or a
    kustomization directory whose build yields transformer configs."""

    loc: Loc
    file: Entry | None = None
    inline: tuple[YSeq, int] | None = None


@dataclass(eq=False)
class KustomizeFile:
    file: SourceFile
    dir: str
    data: YMap
    namespace: str | None
    name_prefix: str = ""
    name_suffix: str = ""
    labels: dict[str, str] = field(default_factory=dict)  # commonLabels and labels[].pairs
    annotations: dict[str, str] = field(default_factory=dict)  # commonAnnotations
    resources: list[Entry] = field(default_factory=list)  # resources and bases
    components: list[Entry] = field(default_factory=list)
    files: list[Entry] = field(default_factory=list)  # patches, generator inputs, crds, configurations...
    generators: list[Generator] = field(default_factory=list)
    patches: list[PatchSpec] = field(default_factory=list)
    transformers: list[TransformerSpec] = field(default_factory=list)
    # nameReference entries of its `configurations:` files (filled in by the model, which has the index)
    name_refs: list[NameRef] = field(default_factory=list)
    is_component: bool = False

    @property
    def rel(self) -> str:
        return self.file.rel

    @property
    def entries(self) -> list[Entry]:
        """Every resource and component entry, in file order of their lists."""
        return self.resources + self.components

    @property
    def remote(self) -> list[Entry]:
        """Entries kustomize would fetch over the network (never fetched here)."""
        return [e for e in self.entries if not e.target and is_remote(e.value)]


def _str_map(node: Any) -> dict[str, str]:
    if not isinstance(node, dict):
        return {}
    return {str(k): str(v) for k, v in node.items() if isinstance(k, str) and v is not None}


class _Reader:
    """Turns the entries of one kustomization.yaml into `Entry` objects with repo-relative targets."""

    def __init__(self, kf: KustomizeFile):
        self.kf = kf

    def entry(self, fld: str, container: Any, key: Any, value: Any) -> Entry | None:
        if not isinstance(value, str) or not value.strip():
            return None
        value = value.strip()
        loc = container.loc(key) if hasattr(container, "loc") else self.kf.data.loc(fld)
        target = "" if is_remote(value) else norm_path(posixpath.join(self.kf.dir, value))
        if not inside(target):
            target = ""  # outside the checked tree: cannot be judged
        return Entry(fld, value, loc, target)

    def paths(self, fld: str, bucket: list[Entry], *, files_only: bool = False) -> None:
        seq = self.kf.data.get(fld)
        if not isinstance(seq, list):
            return
        for i, v in enumerate(seq):
            if files_only and not (
                isinstance(v, str) and "\n" not in v and v.strip().endswith((".yaml", ".yml", ".json"))
            ):
                continue
            e = self.entry(fld, seq, i, v)
            if e is not None:
                bucket.append(e)


def read_kustomize_file(sf: SourceFile) -> KustomizeFile | None:
    if not sf.documents or not isinstance(sf.documents[0].data, YMap):
        return None
    data = sf.documents[0].data
    ns = data.get("namespace")
    kf = KustomizeFile(sf, posixpath.dirname(sf.rel), data, ns if isinstance(ns, str) and ns else None)
    kf.is_component = data.get("kind") == "Component"
    for key, attr in (("namePrefix", "name_prefix"), ("nameSuffix", "name_suffix")):
        if isinstance(data.get(key), str):
            setattr(kf, attr, data[key])
    kf.labels.update(_str_map(data.get("commonLabels")))
    labels = data.get("labels")
    for item in labels if isinstance(labels, list) else ():
        if isinstance(item, dict):
            kf.labels.update(_str_map(item.get("pairs")))
    kf.annotations.update(_str_map(data.get("commonAnnotations")))
    r = _Reader(kf)
    r.paths("resources", kf.resources)
    r.paths("bases", kf.resources)
    r.paths("components", kf.components)
    for fld in ("crds", "configurations", "transformers", "generators", "validators"):
        r.paths(fld, kf.files, files_only=True)
    _read_patches(kf, r)
    _read_transformers(kf, r)
    _read_replacements(kf, r)
    _read_generators(kf, r)
    return kf


def _read_patches(kf: KustomizeFile, r: _Reader) -> None:
    data = kf.data
    for fld in ("patches", "patchesJson6902"):
        seq = data.get(fld)
        for i, item in enumerate(seq if isinstance(seq, list) else ()):
            if not isinstance(item, dict):
                continue
            target = item.get("target") if isinstance(item.get("target"), dict) else None
            spec = PatchSpec(fld, seq.loc(i) if hasattr(seq, "loc") else data.loc(fld), target=target)
            if isinstance(item.get("options"), dict):
                spec.options = dict(item["options"])
            if isinstance(item.get("path"), str):
                spec.file = r.entry(fld, item, "path", item["path"])
                if spec.file is not None:
                    kf.files.append(spec.file)
            elif isinstance(item.get("patch"), str):
                spec.inline = (item, "patch")
            else:
                continue
            kf.patches.append(spec)
    seq = data.get("patchesStrategicMerge")
    for i, item in enumerate(seq if isinstance(seq, list) else ()):
        if not isinstance(item, str):
            continue
        spec = PatchSpec(
            "patchesStrategicMerge", seq.loc(i) if hasattr(seq, "loc") else data.loc("patchesStrategicMerge")
        )
        if "\n" in item or item.lstrip().startswith(("apiVersion", "kind", "{")):
            spec.inline = (seq, i)  # an inline patch document
        else:
            spec.file = r.entry("patchesStrategicMerge", seq, i, item)
            if spec.file is None:
                continue
            kf.files.append(spec.file)
        kf.patches.append(spec)


def _read_transformers(kf: KustomizeFile, r: _Reader) -> None:
    """`transformers:` entries. kustomize takes an entry that parses as objects for an inline
    config and anything else for a path (api/internal/target/kusttarget.go,
    configureExternalTransformers)."""
    seq = kf.data.get("transformers")
    if not isinstance(seq, YSeq):
        return
    for i, item in enumerate(seq):
        if not isinstance(item, str):
            continue
        if "\n" in item or item.lstrip().startswith(("apiVersion", "kind", "{")):
            kf.transformers.append(TransformerSpec(seq.loc(i), inline=(seq, i)))
        else:
            e = r.entry("transformers", seq, i, item)
            if e is not None:
                kf.transformers.append(TransformerSpec(e.loc, file=e))


def _read_replacements(kf: KustomizeFile, r: _Reader) -> None:
    """`replacements: [{path: file}]` entries name files too (kustomize loads them with the same
    load restrictor as patches)."""
    seq = kf.data.get("replacements")
    for item in seq if isinstance(seq, list) else ():
        if isinstance(item, dict) and isinstance(item.get("path"), str):
            e = r.entry("replacements", item, "path", item["path"])
            if e is not None:
                kf.files.append(e)


def _read_generators(kf: KustomizeFile, r: _Reader) -> None:
    data = kf.data
    options = data.get("generatorOptions")
    options = options if isinstance(options, dict) else {}
    common_loc = options.loc("labels") if isinstance(options, YMap) and "labels" in options else None
    for fld, kind in (("secretGenerator", "Secret"), ("configMapGenerator", "ConfigMap")):
        seq = data.get(fld)
        for gen in seq if isinstance(seq, list) else ():
            if not isinstance(gen, YMap):
                continue
            name = gen.get("name")
            opts = gen.get("options")
            opts = opts if isinstance(opts, dict) else {}
            # kustomize api/types/generatoroptions.go MergeGlobalOptionsIntoLocal: a key of the
            # generator's own options wins over generatorOptions, but a global
            # disableNameSuffixHash: true wins over a local false
            hashed = not (options.get("disableNameSuffixHash") is True or opts.get("disableNameSuffixHash") is True)
            gen_ns = gen.get("namespace")
            behavior = gen.get("behavior") if isinstance(gen.get("behavior"), str) else "create"
            g = Generator(
                kind,
                name if isinstance(name, str) else "",
                gen_ns if isinstance(gen_ns, str) and gen_ns else None,
                hashed,
                gen.loc("name"),
                gen,
                behavior,
            )
            own_labels = _str_map(opts.get("labels"))
            g.labels = {**_str_map(options.get("labels")), **own_labels}
            g.annotations = {**_str_map(options.get("annotations")), **_str_map(opts.get("annotations"))}
            g.labels_loc = opts.loc("labels") if isinstance(opts, YMap) and own_labels else common_loc
            if "namespace" in gen:
                g.namespace_loc = gen.loc("namespace")
            elif kf.namespace:
                g.namespace_loc = data.loc("namespace")
            literals = gen.get("literals")
            for i, lit in enumerate(literals if isinstance(literals, list) else ()):
                if isinstance(lit, str) and "=" in lit:
                    key, _, value = lit.partition("=")
                    g.literals.append((key.strip(), value, literals.loc(i)))
            for src_key in ("files", "envs", "env"):
                items = gen.get(src_key)
                seq_items = [items] if isinstance(items, str) else items
                if not isinstance(seq_items, list):
                    continue
                for i, v in enumerate(seq_items):
                    if not isinstance(v, str):
                        continue
                    key, sep, path = v.partition("=")
                    path = path if sep else v
                    container = items if isinstance(items, list) else gen
                    e = r.entry(fld, container, i if isinstance(items, list) else src_key, path)
                    if e is None:
                        continue
                    kf.files.append(e)
                    if src_key == "files":
                        g.files.append((key.strip() if sep else posixpath.basename(path.strip()), e))
                    else:
                        g.envs.append(e)
            if g.name:
                kf.generators.append(g)
