"""Folding findings inside a tree nothing applies into that tree's one unapplied-tree finding.

One cause, one finding: an archive folder with twenty broken references is one fact (no cluster
applies it), not twenty errors. Findings of repository-scope rules (a credential in clear) stay
where they are; see `obslint.rules.Scope`. A tree with nothing folded into it is not reported:
trees outside Flux are common and mostly deliberate (what bootstrap scripts, Talos or a task
runner apply, templates, unused components), and obslint has nothing to say about them.
"""

from __future__ import annotations

from dataclasses import replace

from obslint.findings import Finding, Related
from obslint.index import Index
from obslint.model.unapplied import unapplied_trees
from obslint.rules import REGISTRY, Scope

UNAPPLIED_TREE = "FLUX010"
SHOWN = 10  # related places listed; the message gives the count


def fold_unapplied(findings: list[Finding], index: Index) -> list[Finding]:
    heads = {f.data.get("tree"): f for f in findings if f.rule == UNAPPLIED_TREE}
    if not heads:
        return findings
    trees = unapplied_trees(index)
    folded: dict[str, list[Finding]] = {}
    out: list[Finding] = []
    for f in findings:
        if f.rule != UNAPPLIED_TREE and _scope(f.rule) is Scope.APPLIED:
            tree = trees.tree_of(f.loc.path, f.loc)
            if tree is not None and tree.dir in heads:
                folded.setdefault(tree.dir, []).append(f)
                continue
        out.append(f)
    quiet = {id(h) for d, h in heads.items() if d not in folded}
    out = [f for f in out if id(f) not in quiet]
    for d, inner in folded.items():
        head = heads[d]
        inner.sort(key=lambda f: f.sort_key)
        related = tuple(Related(f.loc, f"{f.rule} {f.name}: {f.message}") for f in inner[:SHOWN])
        n = len(inner)
        what = "1 finding" if n == 1 else f"{n} findings"
        i = out.index(head)
        out[i] = replace(
            head,
            message=f"{head.message}; {what} in it not reported",
            related=related + head.related,
            data={**head.data, "folded": n},
        )
    return out


def _scope(rule_id: str) -> Scope:
    rule = REGISTRY.lookup(rule_id)
    return rule.scope if rule is not None else Scope.APPLIED
