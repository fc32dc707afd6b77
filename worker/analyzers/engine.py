"""The shared tree-sitter engine: one pass of a tree cursor computes every metric of a file.

A language analyzer is a subclass of `TreeSitterAnalyzer` that declares its grammar and its node
types as data (which nodes are functions, which tokens are decisions, which leaves are operands)
and overrides a few small hooks (a function's name, its parameters, classes, imports). The walk
itself is written once, here, in a tight loop: this is the hot path of the whole system.

Definitions (docs/metrics.md explains them with examples):
- ccn: lizard's definition, 1 + the decision tokens of the function itself (not of functions
  nested in it), counted token by token as lizard does, so the two agree.
- nloc: lines holding at least one non-comment token of the function itself (lizard's NLOC).
- cognitive: SonarSource's cognitive complexity: +1 per control structure plus its nesting,
  +1 per `else`/`elif`, +1 per run of like boolean operators.
- Halstead: anonymous tokens are operators, identifiers and literals are operands.
Nothing here does I/O or knows about ZeroMQ.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import ClassVar

from tree_sitter import Language as Grammar
from tree_sitter import Node, Parser, Tree

from mesh.models import (
    AstSummary,
    ClassInfo,
    FileAnalysis,
    FileError,
    FunctionKind,
    FunctionMetrics,
    Halstead,
    ImportInfo,
    Language,
)
from worker.analyzers.halstead import halstead, maintainability_index

OPERAND, OPERATOR, DECISION = 1, 2, 4  # leaf roles
SCOPE, CONTAINER, NEST = 0, 1, 2  # kinds of open frames


@dataclass(slots=True)
class Scope:
    """A function being measured while the cursor is inside it."""

    node: Node
    depth: int
    name: str
    long_name: str
    qualified_name: str
    kind: FunctionKind
    start_line: int
    end_line: int
    params: int
    ccn: int = 1
    tokens: int = 0
    cognitive: int = 0
    max_nesting: int = 0
    nloc: int = 0
    last_row: int = -1  # the scope's tokens come in source order: count rows as they advance
    operators: list[str] = field(default_factory=list)
    operands: list[bytes] = field(default_factory=list)
    # what was current when this scope opened, restored when it closes
    outer_state: tuple[Scope | None, Container | None, int] = (None, None, 0)


@dataclass(slots=True)
class Container:
    """A class-like or namespace node that qualifies the names of functions inside it."""

    depth: int
    name: str
    outer: Container | None = None


@dataclass
class FileTotals:
    tokens: int = 0
    code_lines: int = 0
    comment_lines: set[int] = field(default_factory=set)
    operators: list[str] = field(default_factory=list)
    operands: list[bytes] = field(default_factory=list)
    node_types: Counter[str] = field(default_factory=Counter)
    max_depth: int = 0
    error_lines: set[int] = field(default_factory=set)
    top_level_ccn: int = 0


class TreeSitterAnalyzer:
    """Base of every language analyzer; subclasses set the class attributes below."""

    language: ClassVar[Language]
    grammar: ClassVar[object]  # the grammar's `language()` capsule
    version: ClassVar[str] = "1"  # bump when results change: results are cached by it

    functions: ClassVar[dict[str, FunctionKind]] = {}  # node type -> kind
    containers: ClassVar[frozenset[str]] = frozenset()  # classes, impls, namespaces
    comments: ClassVar[frozenset[str]] = frozenset({"comment"})
    atoms: ClassVar[frozenset[str]] = frozenset()  # named nodes measured as one token (strings)
    operands: ClassVar[frozenset[str]] = frozenset({"identifier"})
    not_operators: ClassVar[frozenset[str]] = frozenset()  # anonymous tokens Halstead ignores
    decisions: ClassVar[frozenset[str]] = frozenset()  # tokens lizard counts towards ccn
    cognitive_structures: ClassVar[frozenset[str]] = frozenset()  # +1 + nesting, nest
    cognitive_flat: ClassVar[frozenset[str]] = frozenset()  # +1, no nesting (else, elif)
    cognitive_nesting_only: ClassVar[frozenset[str]] = frozenset()  # nest, no increment
    logical_operators: ClassVar[frozenset[str]] = frozenset()  # operator tokens of && and ||
    logical_expressions: ClassVar[frozenset[str]] = frozenset()  # node types holding them

    collect: ClassVar[frozenset[str]] = frozenset()  # node types the hooks below receive

    def __init__(self) -> None:
        self.parser = Parser(Grammar(self.grammar))
        self._roles: dict[str, int] = {}
        self._chained: set[int] = set()  # ids of logical expressions inside a counted chain

    @property
    def id(self) -> str:
        return f"codemesh-{self.language}-{self.version}"

    # -- hooks ----------------------------------------------------------------------------------

    def function_name(self, node: Node, src: bytes) -> str:
        name = node.child_by_field_name("name")
        return _text(name, src) if name is not None else "(anonymous)"

    def function_params(self, node: Node, src: bytes) -> tuple[int, str]:
        """Parameter count and the parameter list as written (for `long_name`)."""
        params = node.child_by_field_name("parameters")
        if params is None:
            return 0, "()"
        return len(params.named_children), _squash(_text(params, src))

    def function_kind(self, node: Node, default: FunctionKind, outer: Scope | None,
                      container: Container | None) -> FunctionKind:
        if default == "function" and outer is not None:
            return "closure"
        if default == "function" and container is not None:
            return "method"
        return default

    def is_function(self, node: Node) -> bool:
        """Whether a node of a `functions` type is measured as a function (e.g. a lambda only
        when it is assigned to a name)."""
        return True

    def is_comment_atom(self, node: Node, src: bytes) -> bool:
        """Whether an atom (e.g. a string) is really documentation, counted as a comment."""
        return False

    def start_line(self, node: Node) -> int:
        return node.start_point[0] + 1

    def container_name(self, node: Node, src: bytes) -> str:
        name = node.child_by_field_name("name")
        return _text(name, src) if name is not None else ""

    def continues_chain(self, node: Node) -> bool:
        """Whether a control structure continues a chain (`else if`): +1, but no nesting."""
        return False

    def flat_increment(self, node: Node) -> bool:
        """Whether a `cognitive_flat` node (an `else`) increments here."""
        return True

    def classes(self, nodes: dict[str, list[Node]], src: bytes) -> list[ClassInfo]:
        """Class-like types, from the nodes of the `collect` types met during the walk."""
        return []

    def imports(self, nodes: dict[str, list[Node]], src: bytes) -> list[ImportInfo]:
        return []

    def maintainability(self, volume: float, ccn: int, code_lines: int, comment_lines: int,
                        root: Node, src: bytes) -> float:
        percent = comment_lines * 100 / code_lines if code_lines else 0.0
        return maintainability_index(volume, ccn, code_lines, percent)

    # -- the walk -------------------------------------------------------------------------------

    def analyze(self, data: bytes, name: str = "") -> FileAnalysis:
        try:
            tree = self.parser.parse(data)
            return self._measure(tree, data)
        except RecursionError as exc:
            return FileAnalysis(language=self.language, error=FileError(
                path=name, kind="analyzer", message=f"too deeply nested: {exc}"))

    def _measure(self, tree: Tree, src: bytes) -> FileAnalysis:
        totals = FileTotals()
        functions: list[Scope] = []
        collected: dict[str, list[Node]] = {}
        self._walk(tree, src, totals, functions, collected)
        lines = src.count(b"\n") + (1 if src and not src.endswith(b"\n") else 0)
        code_lines = totals.code_lines
        comment_lines = len(totals.comment_lines)
        blank = sum(1 for line in src.splitlines() if not line.strip())
        file_halstead = _halstead(totals.operators, totals.operands)
        ccn_total = totals.top_level_ccn + sum(f.ccn for f in functions)
        root = tree.root_node
        return FileAnalysis(
            language=self.language,
            nloc=code_lines,
            functions=[self._metrics(f) for f in sorted(functions, key=lambda f: f.start_line)],
            lines=lines,
            sloc=code_lines,
            comments=comment_lines,
            blank=blank,
            halstead=file_halstead,
            mi=self.maintainability(file_halstead.volume, ccn_total, code_lines, comment_lines,
                                    root, src),
            classes=self.classes(collected, src),
            imports=self.imports(collected, src),
            partial=bool(totals.error_lines),
            parse_errors=sorted(totals.error_lines),
            ast=AstSummary(node_types=dict(totals.node_types.most_common()),
                           max_depth=totals.max_depth, error_nodes=len(totals.error_lines)),
        )

    @staticmethod
    def _metrics(scope: Scope) -> FunctionMetrics:
        return FunctionMetrics(
            name=scope.name, long_name=scope.long_name, start_line=scope.start_line,
            end_line=scope.end_line, nloc=scope.nloc, ccn=scope.ccn, params=scope.params,
            tokens=scope.tokens, kind=scope.kind, qualified_name=scope.qualified_name,
            cognitive=scope.cognitive, max_nesting=scope.max_nesting,
            halstead=_halstead(scope.operators, scope.operands))

    def _leaf_role(self, node: Node) -> int:
        """What a leaf token counts as, decided once per token type: OPERAND, OPERATOR or 0,
        plus DECISION when lizard counts it towards ccn."""
        kind = node.type
        role = OPERAND if (kind in self.operands or node.is_named) else \
            0 if kind in self.not_operators else OPERATOR
        if kind in self.decisions:
            role |= DECISION
        return role

    def _walk(self, tree: Tree, src: bytes, totals: FileTotals, found: list[Scope],
              collected: dict[str, list[Node]]) -> None:
        functions = self.functions
        containers = self.containers
        comments = self.comments
        atoms = self.atoms
        structures = self.cognitive_structures
        flat = self.cognitive_flat
        nesting_only = self.cognitive_nesting_only
        logical_expressions = self.logical_expressions
        cognitive = structures | flat | nesting_only | logical_expressions
        collect = self.collect
        roles = self._roles
        kinds: list[str] = []
        record_kind = kinds.append
        file_operands = totals.operands.append
        file_operators = totals.operators.append
        file_nloc = 0
        file_row = -1
        tokens = 0
        check_errors = tree.root_node.has_error

        # One stack for everything open at some depth: (depth, what, object).
        frames: list[tuple[int, int, Scope | Container | None]] = []
        scope: Scope | None = None
        container: Container | None = None
        nesting = 0  # cognitive nesting inside the current scope
        self._chained.clear()
        if tree.root_node.child_count == 0:  # an empty or blank file: no tokens at all
            return
        cursor = tree.walk()
        depth = 0
        max_depth = 0
        while True:
            node = cursor.node
            assert node is not None
            while frames and frames[-1][0] >= depth:  # leaving what was opened here or deeper
                _, what, opened = frames.pop()
                if what == SCOPE:
                    assert isinstance(opened, Scope)
                    found.append(opened)
                    scope, container, nesting = opened.outer_state
                elif what == CONTAINER:
                    container = opened.outer if isinstance(opened, Container) else None
                else:
                    nesting -= 1

            kind = node.type
            record_kind(kind)
            if depth > max_depth:
                max_depth = depth
            if check_errors and (node.is_error or node.is_missing):
                totals.error_lines.add(node.start_point[0] + 1)
            if kind in collect:
                collected.setdefault(kind, []).append(node)

            if kind in comments or (kind in atoms and self.is_comment_atom(node, src)):
                totals.comment_lines.update(range(node.start_point[0], node.end_point[0] + 1))
            elif kind in atoms or not cursor.goto_first_child():  # a token
                role = roles.get(kind)
                if role is None:
                    role = roles[kind] = self._leaf_role(node)
                first = node.start_point[0]
                last = node.end_point[0]
                if last > file_row:
                    file_nloc += last - (first - 1 if first > file_row else file_row)
                    file_row = last
                tokens += 1
                if role & OPERAND:
                    text = src[node.start_byte:node.end_byte]
                    file_operands(text)
                    if scope is not None:
                        scope.operands.append(text)
                elif role & OPERATOR:
                    file_operators(kind)
                    if scope is not None:
                        scope.operators.append(kind)
                if scope is not None:
                    scope.tokens += 1
                    if last > scope.last_row:
                        row = scope.last_row
                        scope.nloc += last - (first - 1 if first > row else row)
                        scope.last_row = last
                    if role & DECISION:
                        scope.ccn += 1
                elif role & DECISION:
                    totals.top_level_ccn += 1
            else:
                opens_scope = kind in functions and self.is_function(node)
                if opens_scope:
                    opened_scope = self._open(node, src, depth, functions[kind], scope, container)
                    opened_scope.outer_state = (scope, container, nesting)
                    frames.append((depth, SCOPE, opened_scope))
                    scope, nesting = opened_scope, 0
                elif kind in containers:
                    holder = Container(depth, self.container_name(node, src), container)
                    frames.append((depth, CONTAINER, holder))
                    container = holder
                if scope is not None and kind in cognitive:
                    if kind in structures:
                        if self.continues_chain(node):
                            scope.cognitive += 1
                        else:
                            scope.cognitive += 1 + nesting
                            nesting += 1
                            frames.append((depth, NEST, None))
                            if nesting > scope.max_nesting:
                                scope.max_nesting = nesting
                    elif kind in flat:
                        if self.flat_increment(node):
                            scope.cognitive += 1
                    elif kind in nesting_only and not opens_scope:
                        nesting += 1
                        frames.append((depth, NEST, None))
                    if kind in logical_expressions:
                        scope.cognitive += self._logical_sequences(node)
                depth += 1  # the cursor is on the first child already
                continue
            while not cursor.goto_next_sibling():
                if not cursor.goto_parent():
                    totals.max_depth = max_depth
                    totals.node_types.update(kinds)
                    totals.code_lines = file_nloc
                    totals.tokens = tokens
                    found.extend(f[2] for f in reversed(frames)  # type: ignore[misc]
                                 if f[1] == SCOPE)
                    return
                depth -= 1

    def _open(self, node: Node, src: bytes, depth: int, default: FunctionKind,
              outer: Scope | None, container: Container | None) -> Scope:
        name = self.function_name(node, src)
        params, written = self.function_params(node, src)
        if outer is not None:
            qualified = f"{outer.qualified_name}.{name}"
        elif container is not None and container.name:
            qualified = f"{container.name}.{name}"
        else:
            qualified = name
        return Scope(node=node, depth=depth, name=name, long_name=f"{name}{written}",
                     qualified_name=qualified,
                     kind=self.function_kind(node, default, outer, container),
                     start_line=self.start_line(node), end_line=node.end_point[0] + 1,
                     params=params)

    def _logical_sequences(self, node: Node) -> int:
        """Sonar counts one increment per run of like boolean operators: `a && b && c` is 1,
        `a && b || c` is 2, in source order. The walk meets a chain's outermost expression
        first, which marks the expressions inside it as counted; no `Node.parent` lookups,
        which tree-sitter answers by descending from the root (quadratic on generated code)."""
        if node.id in self._chained:
            return 0
        found: list[tuple[int, str]] = []
        stack = [node]
        while stack:
            for child in stack.pop().children:
                kind = child.type
                if kind in self.logical_expressions:
                    self._chained.add(child.id)
                    stack.append(child)
                elif kind in self.logical_operators:
                    found.append((child.start_byte, kind))
        found.sort()
        runs = 0
        previous = ""
        for _, kind in found:
            if kind != previous:
                runs += 1
            previous = kind
        return runs


def _halstead(operators: list[str], operands: list[bytes]) -> Halstead:
    return halstead(len(set(operators)), len(set(operands)), len(operators), len(operands))


def _text(node: Node | None, src: bytes) -> str:
    if node is None:
        return ""
    return src[node.start_byte:node.end_byte].decode("utf-8", "replace")


def _squash(text: str) -> str:
    """A parameter list on one line with single spaces, as lizard prints long names."""
    return " ".join(text.split())


