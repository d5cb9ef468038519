"""The reference stack validates: every object (as written and as kustomize builds it) against its schema,
and every HelmRelease's values against the keys of its chart version."""

from __future__ import annotations

import subprocess

import yaml

from obslint.config import load_config
from obslint.index import Index
from obslint.load import load_tree
from obslint.model.chart_pin import chart_pin
from obslint.model.helm import helm_releases
from obslint.model.schemas import has_schema, validate_data, validate_object
from tests.conftest import REFERENCE_STACK, require_tool

# Kinds the stack uses that have no schema here (none today); kustomization.yaml files are not API objects.
NOT_API_OBJECTS = {("kustomize.config.k8s.io/v1beta1", "Kustomization")}


def _index() -> Index:
    root = str(REFERENCE_STACK)
    config = load_config(root, None)
    return Index.build(load_tree(root, config.exclude, config.max_file_size), config)


def test_every_object_as_written_has_a_schema_and_validates():
    index = _index()
    checked = 0
    for obj in index.objects:
        if (obj.api_version, obj.kind) in NOT_API_OBJECTS:
            continue
        assert has_schema(obj.api_version, obj.kind), f"{obj.ref()} ({obj.api_version}) has no schema"
        assert list(validate_object(obj)) == [], obj.ref()
        checked += 1
    assert checked >= 20


def test_every_helmrelease_is_a_known_chart_version_with_known_keys():
    index = _index()
    releases = helm_releases(index)
    assert len(releases) == 3
    for release in releases:
        pin = chart_pin(index, release)
        assert pin is not None and pin.how == "exact", f"{release.chart} {release.version}: not a known version"


def test_every_built_object_validates():
    """What Flux applies: `kubectl kustomize` of every Flux Kustomization path, each object validated."""
    kubectl = require_tool("kubectl")
    index = _index()
    paths = sorted(
        {
            str(o.get("spec", "path")).removeprefix("./")
            for o in index.of_kind("Kustomization", group="kustomize.toolkit.fluxcd.io")
        }
    )
    assert len(paths) >= 5
    validated = 0
    for path in paths:
        out = subprocess.run(
            [kubectl, "kustomize", str(REFERENCE_STACK / path)], capture_output=True, text=True, check=True
        ).stdout
        for doc in yaml.safe_load_all(out):
            if not isinstance(doc, dict):
                continue
            assert has_schema(doc["apiVersion"], doc["kind"]), f"{path}: {doc['kind']} has no schema"
            problems = [p.message for p in validate_data(doc)]
            assert problems == [], f"{path}: {doc['kind']} {doc['metadata'].get('name')}: {problems}"
            validated += 1
    assert validated >= 20
