"""False positives found on real repositories: generator options, Flux's generated kustomization,
one PrometheusRule applied twice, generator inputs that are not YAML.

Each test writes the shape of the repository as a small one, checks that the false finding is
gone, and that a nearby true mistake still fires.
"""

from __future__ import annotations

from obslint.model.flux import flux_graph
from tests.flux.helpers import index_of
from tests.regressions.helpers import BOOTSTRAP, detail, findings, fixed, kustomization, rules_of, swap

APPS = "-- clusters/home/apps.yaml --\n" + kustomization(
    "apps", "./apps", "postBuild:\n  substitute: {DOMAIN: example.org}"
)
HOME = BOOTSTRAP + "-- clusters/home/apps.yaml --\n" + kustomization("apps", "./apps")  # no substitution

# bash that Flux's envsubst cannot parse: `${ARGS[@]}` has no closing brace for it
SCRIPT = """\
-- apps/notify.sh --
#!/usr/bin/env bash
ARGS=(--silent)
curl "${ARGS[@]}" "https://hooks.${DOMAIN}/notify"
"""

GENERATOR_OPTIONS = (
    BOOTSTRAP
    + APPS
    + """\
-- apps/kustomization.yaml --
namespace: default
configMapGenerator:
  - name: notify
    files: [notify.sh]
generatorOptions:
  disableNameSuffixHash: true
  annotations:
    kustomize.toolkit.fluxcd.io/substitute: disabled
"""
    + SCRIPT
)


def test_generator_options_annotations_disable_substitution(repo):
    """kustomize: generatorOptions.annotations go on every generated object (api/internal/generators
    utils.go, copyLabelsAndAnnotations); kustomize-controller skips postBuild substitution on an
    object annotated `kustomize.toolkit.fluxcd.io/substitute: disabled` (fluxcd/pkg
    kustomize_varsub.go). Reported: FLUX009 `variable substitution fails` on a generated script."""
    finding = fixed(
        repo,
        GENERATOR_OPTIONS,
        "FLUX009",
        "  annotations:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\n",
        "",
    )
    assert "substitution" in finding.message


def test_a_generators_own_options_annotations_count_too(repo):
    """kustomize: a generator's own `options` are merged with generatorOptions, the generator's
    keys winning (api/types/generatoroptions.go, MergeGlobalOptionsIntoLocal)."""
    own = swap(
        GENERATOR_OPTIONS,
        "    files: [notify.sh]\ngeneratorOptions:\n  disableNameSuffixHash: true\n  annotations:\n"
        "    kustomize.toolkit.fluxcd.io/substitute: disabled\n",
        "    files: [notify.sh]\n    options:\n      disableNameSuffixHash: true\n      annotations:\n"
        "        kustomize.toolkit.fluxcd.io/substitute: disabled\n",
    )
    assert "FLUX009" not in rules_of(repo(own))
    # the generator's own value overrides the global one: substitution stays on and fails
    enabled = swap(
        GENERATOR_OPTIONS,
        "    files: [notify.sh]\n",
        "    files: [notify.sh]\n    options:\n      annotations: {kustomize.toolkit.fluxcd.io/substitute: enabled}\n",
    )
    assert rules_of(repo(enabled)) == ["FLUX009"]


def test_a_merging_generator_keeps_the_annotations_of_the_base(repo):
    """kustomize: `behavior: merge` keeps the labels and annotations of the object it merges into,
    adding its own (api/resmap/reswrangler.go appendReplaceOrMerge, CopyMergeMetaDataFieldsFrom)."""
    case = swap(
        GENERATOR_OPTIONS.replace("-- apps/", "-- apps/base/"),
        "namespace: default\n",
        "",
    ) + (
        "-- apps/kustomization.yaml --\n"
        "namespace: default\n"
        "resources: [base]\n"
        "configMapGenerator:\n"
        "  - {name: notify, behavior: merge, literals: [mode=fast]}\n"
        "generatorOptions: {disableNameSuffixHash: true}\n"
    )
    assert "FLUX009" not in rules_of(repo(case)), detail(findings(repo(case)))
    # its own annotation wins over the base's: substitution is on again and fails
    replaced = swap(
        case,
        "  - {name: notify, behavior: merge, literals: [mode=fast]}\n",
        "  - name: notify\n    behavior: merge\n"
        "    options: {annotations: {kustomize.toolkit.fluxcd.io/substitute: enabled}}\n",
    )
    assert rules_of(repo(replaced)) == ["FLUX009"]


ALERT = """\
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {name: volsync}
spec:
  groups:
    - name: volsync
      rules:
        - alert: VolSyncVolumeOutOfSync
          expr: volsync_volume_out_of_sync == 1
          for: 15m
          labels: {severity: critical}
          annotations: {summary: out of sync, description: "{{ $labels.obj_name }} is out of sync"}
"""

PLAIN_ROOT = (
    HOME
    + """\
-- apps/system/kustomization.yaml --
namespace: system
resources: [volsync/app]
-- apps/system-controllers/kustomization.yaml --
namespace: system-controllers
resources: [cm.yaml]
-- apps/system-controllers/cm.yaml --
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {mode: fast}
-- apps/system/volsync/app/kustomization.yaml --
resources: [prometheusrule.yaml]
-- apps/system/volsync/app/prometheusrule.yaml --
"""
    + ALERT
)


def test_flux_generated_kustomization_skips_below_any_kustomization(repo):
    """Flux: for a path without kustomization.yaml, kustomize-controller walks the tree and takes
    a directory with a kustomization file whole, skipping everything below it (fluxcd/pkg
    kustomize/kustomize_generator.go, generateKustomization: filepath.SkipDir). `system-controllers`
    sorts between `system` and `system/volsync/app`, which is still below `system`.
    Reported: PROM009, the rule rendered a second time without the `system` namespace."""
    stray = "-- apps/stray/rules.yaml --\n" + ALERT.replace("{name: volsync}", "{name: stray, namespace: system}")
    anchor = "-- apps/system/volsync/app/kustomization.yaml --"
    finding = fixed(repo, PLAIN_ROOT, "PROM009", anchor, stray + anchor)
    assert "VolSyncVolumeOutOfSync" in finding.message


def _db_app(name: str, rules_name: str = "cnpg-rules") -> str:
    return (
        f"-- apps/{name}.yaml --\n"
        + kustomization(name, f"./apps/{name}", "targetNamespace: home")
        + f"-- apps/{name}/kustomization.yaml --\nnamespace: home\nresources: [rules.yaml]\n"
        + f"-- apps/{name}/rules.yaml --\n"
        + ALERT.replace("{name: volsync}", f"{{name: {rules_name}}}")
    )


SAME_OBJECT = (
    HOME
    + "-- apps/kustomization.yaml --\nresources: [immich-db.yaml, mealie-db.yaml]\n"
    + _db_app("immich-db")
    + _db_app("mealie-db")
)


def test_one_prometheusrule_applied_by_two_kustomizations_is_one_object(repo):
    """Kubernetes: an object is identified by kind, namespace and name; two Kustomizations applying
    a PrometheusRule with the same ones in one cluster apply the same object (the last apply
    wins), so the operator loads its rules once. Reported: PROM009 on the second copy.
    Two objects of different names holding the same alert are still duplicates."""
    finding = fixed(
        repo,
        SAME_OBJECT,
        "PROM009",
        "-- apps/mealie-db/rules.yaml --\napiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\n"
        "metadata: {name: cnpg-rules}",
        "-- apps/mealie-db/rules.yaml --\napiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\n"
        "metadata: {name: mealie-rules}",
        clean=False,
    )
    assert finding.loc.path == "apps/mealie-db/rules.yaml", detail([finding])


def test_a_rule_only_some_copies_of_an_object_hold_is_unknown(repo):
    """When the copies of one object differ, which is live depends on the order Flux reconciles
    them: a rule only one copy holds may not exist, so it is not judged a duplicate."""
    stale = """\
        - alert: VolSyncStale
          expr: time() - volsync_last_sync_time > 86400
          labels: {severity: warning}
          annotations: {summary: stale, description: d}
"""
    mealie = "-- apps/mealie-db/rules.yaml --\n" + ALERT.replace("{name: volsync}", "{name: cnpg-rules}")
    other = "-- apps/other/rules.yaml --\n" + ALERT.replace("{name: volsync}", "{name: other, namespace: home}")
    case = swap(SAME_OBJECT, mealie, mealie + stale) + other + stale
    case = swap(case, "mealie-db.yaml]", "mealie-db.yaml, other/rules.yaml]")
    found = findings(repo(case), "PROM009")
    # the alert both copies hold is duplicated by the other object; VolSyncStale may not exist
    assert len(found) == 1 and "VolSyncVolumeOutOfSync" in found[0].message, detail(found)


NITTER = (
    HOME
    + """\
-- apps/kustomization.yaml --
namespace: default
resources: [cm.yaml]
configMapGenerator:
  - name: nitter
    files: [config/config.yml]
generatorOptions: {disableNameSuffixHash: true}
-- apps/cm.yaml --
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {mode: fast}
-- apps/config/config.yml --
[Server]
hostname = "nitter.example.org"
port = 8080
"""
)


def test_a_generator_input_is_data_not_a_manifest(repo):
    """kustomize reads a configMapGenerator `files:` entry as text, whatever its extension
    (api/kv/kv.go, keyValuesFromFileSources): an INI file named .yml is not a broken manifest.
    Reported: CORE001 YAML syntax error on it. Listed as a resource, it is one."""
    finding = fixed(
        repo, NITTER, "CORE001", "resources: [cm.yaml]", "resources: [cm.yaml, config/config.yml]", clean=False
    )
    assert finding.loc.path == "apps/config/config.yml"


def test_a_generator_input_flux_also_applies_is_a_manifest(repo):
    """A directory Flux builds without kustomization.yaml takes every .yaml/.yml file below it as
    a manifest (fluxcd/pkg kustomize_generator.go), generator input or not."""
    applied = NITTER + "-- clusters/home/config.yaml --\n" + kustomization("config", "./apps/config")
    assert "CORE001" in rules_of(repo(applied))


def test_generator_options_merge_as_kustomize_merges_them(repo):
    """kustomize api/types/generatoroptions.go, MergeGlobalOptionsIntoLocal: the generator's own
    labels and annotations win key by key; a global `disableNameSuffixHash: true` wins over a
    local false."""
    index = index_of(
        repo(
            """\
-- apps/kustomization.yaml --
configMapGenerator:
  - name: a
    literals: [k=v]
    options:
      disableNameSuffixHash: false
      labels: {team: own}
      annotations: {note: own}
generatorOptions:
  disableNameSuffixHash: true
  labels: {team: all, tier: all}
  annotations: {note: all, kustomize.toolkit.fluxcd.io/substitute: disabled}
"""
        )
    )
    (gen,) = flux_graph(index).kustomize_files["apps"].generators
    assert not gen.hashed
    assert gen.labels == {"team": "own", "tier": "all"}
    assert gen.annotations == {"note": "own", "kustomize.toolkit.fluxcd.io/substitute": "disabled"}
