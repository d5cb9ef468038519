"""What kustomize-controller and flux-operator build, as pure functions over YMap/YSeq trees.

* `substitute`: Flux postBuild variable substitution (`${VAR}`), with unknown variables kept.
* `patch`: kustomize strategic-merge and JSON 6902 patches, and the targets they select.
* `resourceset`: flux-operator ResourceSet expansion (`<< inputs.x >>` templates).

Every function is copy-on-write: it returns its input itself when nothing changes, copies only
the mappings and sequences on the path to a change, keeps every position (values taken from a
patch or a template keep theirs) and never raises on bad input: what the controller would refuse
comes back as a `Problem`. Results share unchanged subtrees with their inputs, so every tree must
be treated as immutable.
"""

from obslint.kustomize.problem import Problem

__all__ = ["Problem"]
