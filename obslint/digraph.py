"""Cycles and reachability in directed graphs (dependsOn chains, Kustomizations applying
Kustomizations, Alloy component references).

Both rest on one iterative Tarjan walk (`_strong_components`): a deep chain must not hit Python's
recursion limit, and nothing per node may grow with the size of the graph - the graph comes from
the checked repository, which may hold 10,000 Kustomizations each depending on the previous.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import Generic, TypeVar

N = TypeVar("N", bound=Hashable)
_REMEMBERED_TARGETS = 4


def _strong_components(
    roots: Iterable[N],
    successors: Callable[[N], Iterable[N]],
    pre: dict[N, int],
    end: dict[N, int] | None = None,
) -> Iterator[list[N]]:
    """Tarjan's algorithm without recursion: the strongly connected components reachable from
    `roots` and not yet numbered in `pre`, each as soon as it is complete - so a component comes
    after every component it reaches. `pre` receives each node's pre-order number in the depth-first
    forest, `end` the last pre-order number of its subtree (so `pre[a] <= pre[b] <= end[a]` says b
    is a's descendant in that forest, hence reachable from a). Nodes are visited in the order given,
    successors in the order returned."""
    low: dict[N, int] = {}
    on_stack: set[N] = set()
    stack: list[N] = []
    for root in roots:
        if root in pre:
            continue
        work: list[tuple[N, Iterator[N]]] = [(root, iter(successors(root)))]
        pre[root] = low[root] = len(pre)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, it = work[-1]
            advanced = False
            for nxt in it:
                if nxt not in pre:
                    pre[nxt] = low[nxt] = len(pre)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(successors(nxt))))
                    advanced = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], pre[nxt])
            if advanced:
                continue
            work.pop()
            if end is not None:
                end[node] = len(pre) - 1
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == pre[node]:
                members: list[N] = []
                while True:
                    m = stack.pop()
                    on_stack.discard(m)
                    del low[m]
                    members.append(m)
                    if m is node:
                        break
                yield members


def cyclic_components(nodes: Iterable[N], successors: Callable[[N], Iterable[N]]) -> list[list[N]]:
    """The strongly connected components that hold a cycle (more than one node, or a node with an
    edge to itself). Nodes are visited in the order given, successors in the order returned."""
    return [
        members
        for members in _strong_components(nodes, successors, {})
        if len(members) > 1 or members[0] in successors(members[0])
    ]


class Reachability(Generic[N]):
    """Which nodes a node reaches through one or more edges, in memory linear in the graph.

    A transitive closure stored per node grows with the square of a chain's length (10,000
    Kustomizations each depending on the previous took 2.5 GB). Here each node keeps its successors,
    its strongly connected component (numbered in completion order, so an edge between components
    always goes to a lower number), the lowest component number it reaches, and its interval in the
    depth-first forest. A query is answered by those numbers alone when the target is a descendant in
    the forest (every chain and tree) or provably out of reach (numbered higher, or reaching lower);
    otherwise by a walk that skips every node those numbers rule out. Nodes are discovered on first
    use. (The lowest-reached label is GRAIL's, Yildirim, Chaoji and Zaki, VLDB 2010.)"""

    def __init__(self, successors: Callable[[N], Iterable[N]]):
        self._successors = successors
        self._succ: dict[N, tuple[N, ...]] = {}
        self._pre: dict[N, int] = {}
        self._end: dict[N, int] = {}
        self._comp: dict[N, int] = {}
        self._cyclic: list[bool] = []
        # per component, the lowest component number it reaches (itself included): a reaches b
        # only if low[a] <= low[b], since everything b reaches a reaches too
        self._low: list[int] = []
        # for the last few targets, the nodes walks found to reach it and not to: the same target
        # asked from every node of a chain (each Kustomization waiting for the one that applies
        # its source) then costs one walk in all
        self._known: dict[N, tuple[set[N], set[N]]] = {}

    def _edges(self, node: N) -> tuple[N, ...]:
        got = self._succ.get(node)
        if got is None:
            got = self._succ[node] = tuple(dict.fromkeys(self._successors(node)))
        return got

    def _discover(self, node: N) -> None:
        if node in self._comp:
            return
        comp = self._comp
        for members in _strong_components((node,), self._edges, self._pre, self._end):
            number = len(self._cyclic)
            self._cyclic.append(len(members) > 1 or members[0] in self._succ[members[0]])
            for m in members:
                comp[m] = number
            self._low.append(
                min((self._low[comp[s]] for m in members for s in self._succ[m] if comp[s] != number), default=number)
            )

    def reaches(self, a: N, b: N) -> bool:
        """Whether a path of one or more edges leads from a to b (a to itself only on a cycle)."""
        self._discover(a)
        comp = self._comp
        cb = comp.get(b)
        if cb is None:  # everything a reaches is discovered now
            return False
        ca = comp[a]
        if ca == cb:
            return self._cyclic[ca]
        low = self._low
        if cb > ca or low[cb] < low[ca]:
            return False
        pre, end = self._pre, self._end
        target = pre[b]
        if pre[a] <= target <= end[a]:
            return True
        hits, misses = self._known.pop(b, None) or (set(), set())
        self._known[b] = (hits, misses)  # the most recent target last
        if len(self._known) > _REMEMBERED_TARGETS:
            del self._known[next(iter(self._known))]
        if a in hits or a in misses:
            return a in hits
        parent: dict[N, N | None] = {a: None}
        stack = [a]
        while stack:
            cur = stack.pop()
            for m in self._succ[cur]:
                if m in parent or m in misses or comp[m] < cb or low[comp[m]] > low[cb]:
                    continue
                if m in hits or comp[m] == cb or pre[m] <= target <= end[m]:
                    node: N | None = cur
                    while node is not None:  # the path a -> ... -> cur reaches b too
                        hits.add(node)
                        node = parent[node]
                    return True
                parent[m] = cur
                stack.append(m)
        misses.update(parent)
        return False

    def entries(self) -> int:
        """How many nodes, edges and remembered answers it holds: linear in the graph discovered
        (for tests and bench/, which hold it to that)."""
        known = sum(len(hits) + len(misses) for hits, misses in self._known.values())
        return len(self._succ) + sum(map(len, self._succ.values())) + len(self._cyclic) + known

    def reachable(self, a: N) -> Iterator[N]:
        """Every node reached from a through one or more edges, each once (a itself on a cycle)."""
        self._discover(a)
        seen: set[N] = set()
        stack = list(self._succ[a])
        while stack:
            n = stack.pop()
            if n in seen:
                continue
            seen.add(n)
            yield n
            stack.extend(self._succ[n])


class Reached(Generic[N]):
    """The nodes reachable from some start nodes, as a read-only set (membership and iteration)
    computed on demand: `x in reached` is true when x is a start node's successor, transitively."""

    def __init__(self, reach: Reachability[N], starts: Iterable[N], include_starts: bool = False):
        self._reach = reach
        self._starts = tuple(starts)
        self._include_starts = include_starts

    def __contains__(self, x: object) -> bool:
        return any((self._include_starts and s == x) or self._reach.reaches(s, x) for s in self._starts)  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[N]:
        seen: set[N] = set()
        for s in self._starts:
            if self._include_starts and s not in seen:
                seen.add(s)
                yield s
            for n in self._reach.reachable(s):
                if n not in seen:
                    seen.add(n)
                    yield n

    def __bool__(self) -> bool:
        return next(iter(self), None) is not None
