"""The component graph of Alloy configs: provider ``"alloy.graphs"``.

Configs loaded together (one unit, see `AlloyConfig.unit`) form one graph. Each top-level
block is a component (``name "label"``), a configuration block (``logging``, ``http``...), a
module definition (``declare "x"``, whose body is its own scope) or a module import
(``import.file "lib"``: components ``lib.*`` come from elsewhere and are not judged).

Every reference in an expression (``loki.write.default.receiver``, ``discovery.kubernetes.pods.targets``,
``argument.forward_to.value``) is resolved in its scope into a `Ref`: target component and the
export it reads, or a reason why it does not resolve. Data flows from a component into the
components whose consumer exports (``receiver``, ``input``) it references (``forward_to``,
``output { logs = [...] }``), and from a component into those that read its other exports.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from obslint.alloy.ast import Attribute, Block, Call, Expr, Stmt, children, iter_attributes, reference_path
from obslint.alloy.components import ComponentSpec, KnowledgeBase, did_you_mean, knowledge_base
from obslint.alloy.configs import AlloyConfig, alloy_configs
from obslint.digraph import cyclic_components
from obslint.index import Index, memoised

MODULE_BLOCKS = ("argument", "export")


@dataclass(eq=False)
class Component:
    id: str  # name.label
    name: str
    label: str
    block: Block
    config: AlloyConfig
    scope: Scope
    kind: str  # builtin | declared | imported | unknown
    spec: ComponentSpec | None = None
    in_template: bool = False
    duplicate: bool = False  # a second block with the same name and label (reported by ALLOY008)

    @property
    def role(self) -> str:
        if self.kind == "builtin":
            return knowledge_base().role(self.name)
        return "module" if self.kind in ("declared", "imported") else "value"

    def loc(self):
        return self.config.loc(self.block)


@dataclass(eq=False)
class Ref:
    path: tuple[str, ...]
    expr: Expr
    config: AlloyConfig
    owner: Component | None  # the component whose body holds the reference (None: config block)
    owner_block: Block | None  # top-level block holding it
    attr: str  # attribute name it is assigned to (innermost)
    target: Component | None = None
    export: str | None = None
    problem: str | None = None  # why it does not resolve
    hint: str = ""
    external: bool = False  # resolves outside what obslint can see (imports, module arguments)

    def loc(self):
        return self.config.loc(self.expr)

    @property
    def text(self) -> str:
        return ".".join(self.path)


@dataclass(eq=False)
class Scope:
    name: str  # "" for the top level, else the declare label
    components: dict[str, Component] = field(default_factory=dict)
    declared: dict[str, Block] = field(default_factory=dict)  # custom component name -> declare block
    imports: set[str] = field(default_factory=set)
    arguments: set[str] = field(default_factory=set)
    exports: dict[str, Block] = field(default_factory=dict)
    parent: Scope | None = None
    transparent: bool = False  # a foreach template: sees the components of the enclosing scope

    def lookup(self, comp_id: str) -> Component | None:
        s: Scope | None = self
        while s is not None:
            found = s.components.get(comp_id)
            if found is not None or not s.transparent:
                return found
            s = s.parent
        return None

    def visible(self) -> list[Component]:
        out: list[Component] = []
        s: Scope | None = self
        while s is not None:
            out.extend(s.components.values())
            if not s.transparent:
                break
            s = s.parent
        return out

    @property
    def in_template(self) -> bool:
        s: Scope | None = self
        while s is not None:
            if s.transparent:
                return True
            s = s.parent
        return False

    @property
    def module(self) -> Scope | None:
        """The nearest enclosing declare scope (None at the top level)."""
        s: Scope | None = self
        while s is not None and s.transparent:
            s = s.parent
        return s if s is not None and s.parent is not None else None

    def declared_names(self) -> dict[str, Block]:
        out: dict[str, Block] = {}
        s: Scope | None = self
        while s is not None:
            for k, v in s.declared.items():
                out.setdefault(k, v)
            s = s.parent
        return out

    def import_names(self) -> set[str]:
        out: set[str] = set()
        s: Scope | None = self
        while s is not None:
            out |= s.imports
            s = s.parent
        return out


@dataclass(eq=False)
class UnitGraph:
    unit: str
    configs: list[AlloyConfig]
    scopes: list[Scope] = field(default_factory=list)
    components: list[Component] = field(default_factory=list)
    refs: list[Ref] = field(default_factory=list)
    unknown_blocks: list[tuple[Block, AlloyConfig, Scope]] = field(default_factory=list)
    # (block, its config, the first block with the same name and label, that block's config)
    duplicates: list[tuple[Block, AlloyConfig, Block, AlloyConfig]] = field(default_factory=list)
    is_module: bool = False  # top-level argument/export blocks: the unit is imported as a module

    @property
    def parsed(self) -> bool:
        return all(c.ast.ok for c in self.configs)

    def refs_from(self, comp: Component) -> list[Ref]:
        return self._by_owner.get(comp, [])

    def refs_to(self, comp: Component) -> list[Ref]:
        return self._by_target.get(comp, [])

    def index_refs(self) -> None:
        self._by_owner: dict[Component, list[Ref]] = defaultdict(list)
        self._by_target: dict[Component, list[Ref]] = defaultdict(list)
        for r in self.refs:
            if r.owner is not None:
                self._by_owner[r.owner].append(r)
            if r.target is not None:
                self._by_target[r.target].append(r)

    def data_edges(self) -> dict[Component, set[Component]]:
        """Data flow: component -> components it sends data to (through consumer exports or exports read)."""
        kb = knowledge_base()
        out: dict[Component, set[Component]] = defaultdict(set)
        for r in self.refs:
            if r.target is None or r.owner is None:
                continue
            if r.export in kb.consumer_exports:
                out[r.owner].add(r.target)
            else:
                out[r.target].add(r.owner)
        return out


def _top_refs(expr: Expr) -> Iterator[tuple[tuple[str, ...], Expr]]:
    """Maximal `a.b.c` chains in an expression (called functions are not references)."""
    stack = [expr]
    while stack:
        e = stack.pop()
        path = reference_path(e)
        if path is not None:
            if len(path) > 1:
                yield path, e
            continue
        if isinstance(e, Call):
            if reference_path(e.func) is None:
                stack.append(e.func)
            stack.extend(reversed(e.args))
            continue
        stack.extend(reversed(children(e)))


class _Builder:
    def __init__(self, unit: str, configs: list[AlloyConfig]):
        self.kb: KnowledgeBase = knowledge_base()
        self.g = UnitGraph(unit, configs)

    def build(self) -> UnitGraph:
        top = Scope("")
        self.g.scopes.append(top)
        bodies = [(c, c.ast.body) for c in self.g.configs]
        self._collect(top, bodies)
        self.g.index_refs()
        return self.g

    def _collect(self, scope: Scope, bodies: list[tuple[AlloyConfig, list[Stmt]]]) -> None:
        # First the names this scope defines, then the references (order does not matter in Alloy).
        seen: dict[str, tuple[Block, AlloyConfig]] = {}
        for config, body in bodies:
            for stmt in body:
                if not isinstance(stmt, Block):
                    continue
                first = seen.setdefault(stmt.id, (stmt, config))
                if first[0] is not stmt:
                    self.g.duplicates.append((stmt, config, first[0], first[1]))
                if stmt.name == "declare" and stmt.label:
                    scope.declared[stmt.label] = stmt
                elif stmt.name.startswith("import.") and stmt.label:
                    scope.imports.add(stmt.label)
                elif stmt.name == "argument" and stmt.label:
                    scope.arguments.add(stmt.label)
                    if scope.parent is None:
                        self.g.is_module = True
                elif stmt.name == "export" and stmt.label:
                    scope.exports[stmt.label] = stmt
                    if scope.parent is None:
                        self.g.is_module = True
        for config, body in bodies:
            for stmt in body:
                if isinstance(stmt, Block):
                    self._component(scope, config, stmt)
        for config, body in bodies:
            for stmt in body:
                if isinstance(stmt, Block) and stmt.name == "declare" and stmt.label:
                    inner = Scope(stmt.label, parent=scope)
                    self.g.scopes.append(inner)
                    self._collect(inner, [(config, stmt.body)])
                elif isinstance(stmt, Block) and stmt.name == "foreach":
                    for tmpl in stmt.blocks("template"):
                        inner = Scope("foreach", parent=scope, transparent=True)
                        self.g.scopes.append(inner)
                        self._collect(inner, [(config, tmpl.body)])
        for config, body in bodies:
            for stmt in body:
                if isinstance(stmt, Block) and stmt.name != "declare":
                    self._refs(scope, config, stmt)
                elif isinstance(stmt, Attribute):
                    self._refs_in(scope, config, None, None, [((), stmt)])

    def _component(self, scope: Scope, config: AlloyConfig, block: Block) -> Component | None:
        name = block.name
        if name in self.kb.config_blocks or name == "template":
            return None
        first = name.split(".", 1)[0]
        declared = scope.declared_names()
        if name in declared:
            kind = "declared"
        elif first in scope.import_names():
            kind = "imported"
        elif name in self.kb.names:
            kind = "builtin"
        else:
            kind = "unknown"
            self.g.unknown_blocks.append((block, config, scope))
        comp = Component(
            f"{name}.{block.label}" if block.label else name,
            name,
            block.label or "",
            block,
            config,
            scope,
            kind,
            self.kb.spec(name) if kind == "builtin" else None,
            scope.in_template,
        )
        if comp.id not in scope.components:
            scope.components[comp.id] = comp
        else:
            comp.duplicate = True
        self.g.components.append(comp)
        return comp

    def _refs(self, scope: Scope, config: AlloyConfig, block: Block) -> None:
        owner = scope.components.get(block.id) if block.name not in self.kb.config_blocks else None
        if owner is not None and owner.block is not block:
            owner = None
        attrs = list(iter_attributes(block.body, (block,)))
        self._refs_in(scope, config, owner, block, attrs)

    def _refs_in(
        self,
        scope: Scope,
        config: AlloyConfig,
        owner: Component | None,
        block: Block | None,
        attrs: list[tuple[tuple[Block, ...], Attribute]],
    ) -> None:
        for path, attr in attrs:
            if block is not None and block.name == "foreach" and any(b.name == "template" for b in path):
                continue  # the template is a scope of its own
            for ref_path, expr in _top_refs(attr.value):
                ref = Ref(ref_path, expr, config, owner, block, attr.name)
                self._resolve(scope, ref)
                self.g.refs.append(ref)

    def _resolve(self, scope: Scope, ref: Ref) -> None:
        p = ref.path
        head = p[0]
        if head == "argument":
            module = scope.module
            ref.external = True
            if module is None:
                # module arguments of a file imported as a module
                if not self.g.is_module:
                    ref.problem = f'"{ref.text}": argument blocks only exist inside a module (declare)'
                return
            if p[1] not in module.arguments:
                ref.problem = f'argument "{p[1]}" is not declared in module "{module.name}"'
                suggestion = did_you_mean(p[1], module.arguments, 0.6)
                ref.hint = (
                    f"did you mean argument.{suggestion}?" if suggestion else 'declare it with argument "..." { }'
                )
            return
        if head in scope.import_names():
            ref.external = True
            return
        for k in range(len(p), 1, -1):
            comp = scope.lookup(".".join(p[:k]))
            if comp is not None:
                ref.target = comp
                ref.export = p[k] if k < len(p) else None
                self._check_export(ref, comp)
                return
        declared = scope.declared_names()
        if head in self.kb.stdlib and head not in self.kb.namespaces:
            return
        known_names = self.kb.names | set(declared)
        name_len = 0
        for k in range(len(p) - 1, 0, -1):
            if ".".join(p[:k]) in known_names:
                name_len = k
                break
        if name_len:
            name = ".".join(p[:name_len])
            label = p[name_len]
            same = [c.label for c in scope.visible() if c.name == name]
            module = scope.module
            ref.problem = f'component "{name}.{label}" does not exist' + (
                "" if module is None else f' in module "{module.name}"'
            )
            suggestion = did_you_mean(label, same, 0.5)
            if suggestion:
                ref.hint = f"did you mean {name}.{suggestion}?"
            elif same:
                ref.hint = f"{name} components here: " + ", ".join(sorted(same))
            else:
                ref.hint = f'declare {name} "{label}" {{ ... }}, or reference an existing component'
            return
        namespaces = self.kb.namespaces | {n.split(".", 1)[0] for n in declared}
        if head not in namespaces:
            return  # a foreach variable, a stdlib value or something else that is not a component
        ids = [c.id for c in scope.visible()]
        ref.problem = f'"{ref.text}" does not name a component'
        guess = did_you_mean(".".join(p[:-1]), ids, 0.6) or did_you_mean(ref.text, ids, 0.6)
        ref.hint = f"did you mean {guess}?" if guess else "check the component name and label"

    def _check_export(self, ref: Ref, comp: Component) -> None:
        if ref.export is None:
            return
        if comp is ref.owner:
            return  # self-reference: reported as a cycle
        allowed: frozenset[str] | set[str] | None = None
        if comp.kind == "builtin" and comp.spec is not None:
            allowed = comp.spec.exports
        elif comp.kind == "declared":
            decl = comp.scope.declared_names().get(comp.name)
            if decl is not None:
                allowed = {b.label for b in decl.blocks("export") if b.label}
        if allowed is None or ref.export in allowed:
            return
        ref.problem = f'component "{comp.id}" has no export "{ref.export}"'
        suggestion = did_you_mean(ref.export, allowed, 0.5)
        if suggestion:
            ref.hint = f"did you mean {comp.id}.{suggestion}?"
        elif allowed:
            ref.hint = f"{comp.name} exports: " + ", ".join(sorted(allowed))
        else:
            ref.hint = f"{comp.name} exports nothing"
        ref.target = None


def build_graph(unit: str, configs: list[AlloyConfig]) -> UnitGraph:
    return _Builder(unit, configs).build()


@memoised
def alloy_graphs(index: Index) -> list[UnitGraph]:
    units: dict[str, list[AlloyConfig]] = {}
    for config in alloy_configs(index):
        units.setdefault(config.unit, []).append(config)
    return [build_graph(unit, configs) for unit, configs in units.items()]


def _order(c: Component) -> tuple:
    return (c.config.describe(), c.block.line, c.block.col)


def strongly_connected(edges: dict[Component, set[Component]], nodes: list[Component]) -> list[list[Component]]:
    """Components of the reference graph that hold a cycle (size > 1, or a self-reference);
    successors are visited in source order so the result is stable."""
    return cyclic_components(nodes, lambda c: sorted(edges.get(c, ()), key=_order))
