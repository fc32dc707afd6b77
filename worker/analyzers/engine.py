"""The shared tree-sitter engine: one pass of a tree cursor computes every metric of a file.

A language analyzer is a subclass of `TreeSitterAnalyzer` that declares its grammar and its node
types as data (which nodes are functions, which tokens are decisions, which leaves are operands)
and overrides a few small public hooks, never the walk:
- per file: `start_file` (reset per-file state), `parse` (repair or re-parse, choose a grammar;
  `dialect` names a choice made from the file name, part of the result cache key), `correct`
  (adjust the measures after the walk, from the nodes of the `collect` types);
- per function: `is_function`, `function_name`, `function_params`, `function_names` (the shown
  and the qualified name, from the enclosing function and `Container.chain()`, joined with
  `separator`), `long_name`, `function_kind`, `start_line` (with `nloc_from_start_line`);
- per node or token: `container_name`, `continues_chain`, `flat_increment`, `is_comment_atom`,
  `leaf_role` (what a token kind counts as, decided once per grammar symbol);
- per file result: `classes`, `imports`, `maintainability`.
The walk itself is written once, here, in a tight loop: this is the hot path of the whole system.
It works on the grammar's integer symbol ids, looked up in tables built once per grammar, and
asks a node for its rows only when a token passes the last line counted. A hook that needs a
node's context had better look down from a node the walk reached before (and remember what it
learns, per file, as the Java hooks do) than up with `Node.parent`, which tree-sitter answers
by descending from the root: quadratic on deeply nested code.

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

import re
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
# what a node kind is to the walk, one bit each
_FUNCTION, _CONTAINER, _COMMENT, _ATOM, _COLLECT = 1, 2, 4, 8, 16
_STRUCTURE, _FLAT, _NESTING_ONLY, _LOGICAL = 32, 64, 128, 256
_BEFORE = _COMMENT | _ATOM | _COLLECT  # decided before the cursor descends
_COGNITIVE = _STRUCTURE | _FLAT | _NESTING_ONLY | _LOGICAL
_OPENS = _FUNCTION | _CONTAINER | _COGNITIVE  # decided for inner nodes only
_NEWLINE = re.compile(b"\n")
_SYMBOLS = 65536  # grammar symbol ids are 16 bits; ERROR is the last


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

    def chain(self) -> list[Container]:
        """This container and those around it, outermost first."""
        chain: list[Container] = []
        holder: Container | None = self
        while holder is not None:
            chain.append(holder)
            holder = holder.outer
        chain.reverse()
        return chain


# by grammar symbol id: names, flags, roles; and the ids of the `collect` types
Symbols = tuple[list[str], list[int], list[int], list[int]]


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
    separator: ClassVar[str] = "."  # between the parts of a qualified name
    nloc_from_start_line: ClassVar[bool] = False  # a function's NLOC starts at `start_line`

    def __init__(self) -> None:
        self._grammar = Grammar(self.grammar)
        self.parser = Parser(self._grammar)
        self._symbols: dict[Grammar, Symbols] = {}
        self._chained: set[int] = set()  # ids of logical expressions inside a counted chain

    def _symbol_tables(self, grammar: Grammar) -> Symbols:
        """Per grammar symbol id (ERROR is 65535): its name, what it is to the walk (flags)
        and what a token of it counts as (roles); several ids may share a name. Built once
        per grammar (a `parse` hook may choose another one, e.g. TSX)."""
        tables = self._symbols.get(grammar)
        if tables is not None:
            return tables
        names = [""] * _SYMBOLS
        flags = [0] * _SYMBOLS
        roles = [0] * _SYMBOLS
        sets = [(self.functions.keys(), _FUNCTION), (self.containers, _CONTAINER),
                (self.comments, _COMMENT), (self.atoms, _ATOM), (self.collect, _COLLECT),
                (self.cognitive_structures, _STRUCTURE), (self.cognitive_flat, _FLAT),
                (self.cognitive_nesting_only, _NESTING_ONLY),
                (self.logical_expressions, _LOGICAL)]
        for symbol in [*range(grammar.node_kind_count), _SYMBOLS - 1]:
            name = grammar.node_kind_for_id(symbol) or ""
            names[symbol] = name
            flags[symbol] = sum(bit for kinds, bit in sets if name in kinds)
            roles[symbol] = self.leaf_role(name, grammar.node_kind_is_named(symbol))
        collect = [symbol for symbol in range(_SYMBOLS) if flags[symbol] & _COLLECT]
        tables = self._symbols[grammar] = (names, flags, roles, collect)
        return tables

    @property
    def id(self) -> str:
        return f"codemesh-{self.language}-{self.version}"

    # -- hooks ----------------------------------------------------------------------------------

    def start_file(self) -> None:
        """Reset whatever per-file state the hooks below keep: called before each file."""

    def parse(self, data: bytes, name: str) -> tuple[Tree, bytes]:
        """The tree to measure and the bytes it is measured on (a language may repair the
        source or choose a grammar by the file's name; then it says so in `dialect`)."""
        return self.parser.parse(data), data

    def dialect(self, name: str) -> str:
        """What `parse` decides from a file's name beyond its content (e.g. TSX): part of the
        cached result's key, since the same bytes may then give another result."""
        return ""

    def correct(self, tree: Tree, src: bytes, totals: FileTotals, found: list[Scope],
                collected: dict[str, list[Node]]) -> None:
        """Adjust what the walk measured (decisions lizard counts that are no token of
        tree-sitter's, another tool's Halstead): called once after the walk, with the nodes of
        the `collect` types it met."""

    def function_name(self, node: Node, src: bytes) -> str:
        name = node.child_by_field_name("name")
        return _text(name, src) if name is not None else "(anonymous)"

    def function_params(self, node: Node, src: bytes) -> tuple[int, str]:
        """Parameter count and the parameter list as written (for `long_name`)."""
        params = node.child_by_field_name("parameters")
        if params is None:
            return 0, "()"
        return len(params.named_children), _squash(_text(params, src))

    def function_names(self, node: Node, name: str, outer: Scope | None,
                       container: Container | None, src: bytes) -> tuple[str, str]:
        """The name a function is shown with (lizard's) and its qualified name: by default the
        name, qualified by the enclosing function, else by the innermost named container
        (`container.chain()` lists them all), joined with `separator`."""
        if outer is not None:
            return name, f"{outer.qualified_name}{self.separator}{name}"
        if container is not None and container.name:
            return name, f"{container.name}{self.separator}{name}"
        return name, name

    def long_name(self, node: Node, shown: str, written: str, src: bytes) -> str:
        """lizard's long name: the shown name and the parameter list as written."""
        return f"{shown}{written}"

    def function_kind(self, node: Node, default: FunctionKind, outer: Scope | None,
                      container: Container | None, src: bytes) -> FunctionKind:
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

    def leaf_role(self, kind: str, named: bool) -> int:
        """What a token of a kind counts as, decided once per grammar symbol: OPERAND,
        OPERATOR or 0, plus DECISION when lizard counts it towards ccn."""
        role = OPERAND if (kind in self.operands or named) else \
            0 if kind in self.not_operators else OPERATOR
        if kind in self.decisions:
            role |= DECISION
        return role

    def maintainability(self, volume: float, ccn: int, code_lines: int, comment_lines: int,
                        root: Node, src: bytes) -> float:
        percent = comment_lines * 100 / code_lines if code_lines else 0.0
        return maintainability_index(volume, ccn, code_lines, percent)

    # -- the walk -------------------------------------------------------------------------------

    def analyze(self, data: bytes, name: str = "") -> FileAnalysis:
        self.start_file()
        try:
            tree, src = self.parse(data, name)
            return self._measure(tree, src)
        except RecursionError as exc:
            return FileAnalysis(language=self.language, error=FileError(
                path=name, kind="analyzer", message=f"too deeply nested: {exc}"))

    def _measure(self, tree: Tree, src: bytes) -> FileAnalysis:
        totals = FileTotals()
        functions: list[Scope] = []
        collected: dict[str, list[Node]] = {}
        self._walk(tree, src, totals, functions, collected)
        self.correct(tree, src, totals, functions, collected)
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

    def _walk(self, tree: Tree, src: bytes, totals: FileTotals, found: list[Scope],
              collected: dict[str, list[Node]]) -> None:
        """One pass of a tree cursor over every node. Node kinds are the grammar's integer ids,
        looked up in the tables `__init__` built (`_flags`: what a kind is to the walk,
        `_roles`: what a token of that kind counts as), so a plain node costs a list index and
        a cursor move. The current function's counters live in local variables while it is
        current, and are written to its `Scope` when another one becomes current."""
        language: Grammar | None = getattr(tree, "language", None)  # a subtree has none
        names, flags, roles, collect = self._symbol_tables(language or self._grammar)
        # the lists of the collected nodes, by id (ids of one name share a list)
        by_name: dict[str, list[Node]] = {}
        by_id = {symbol: by_name.setdefault(names[symbol], []) for symbol in collect}
        functions = self.functions
        kinds: list[int] = []
        record_kind = kinds.append
        operators = totals.operators
        operands = totals.operands
        file_operator = operators.append
        file_operand = operands.append
        comment_lines = totals.comment_lines
        file_nloc = 0
        file_row = -1
        tokens = 0
        decisions = 0

        # One stack for everything open at some depth: (depth, what, object).
        frames: list[tuple[int, int, Scope | Container | None]] = []
        top = -1  # the depth of the innermost open frame
        scope: Scope | None = None
        container: Container | None = None
        nesting = 0  # cognitive nesting inside the current scope
        # the current scope's counters: nloc and last row as locals, the rest as the file's
        # counts when it became current
        scope_nloc = 0
        scope_row = -1
        # where each row's newline is: a token ends on a row up to `row` if it ends at or before
        # line_ends[row]; file_end and scope_end are that offset for file_row and scope_row
        line_ends = [match.start() for match in _NEWLINE.finditer(src)]
        lines = len(line_ends)
        size = len(src)
        file_end = scope_end = -1
        marks = [0, 0, 0, 0]  # tokens, decisions, operators, operands

        def flush(current: Scope | None, tokens: int, decisions: int, nloc: int,
                  row: int) -> None:
            """What was counted since the last flush belongs to `current`, the scope that was
            current until now (or the file's top level)."""
            mark_tokens, mark_decisions, mark_operators, mark_operands = marks
            if current is not None:
                current.tokens += tokens - mark_tokens
                current.ccn += decisions - mark_decisions
                current.operators += operators[mark_operators:]
                current.operands += operands[mark_operands:]
                current.nloc = nloc
                current.last_row = row
            else:
                totals.top_level_ccn += decisions - mark_decisions
            marks[:] = tokens, decisions, len(operators), len(operands)

        self._chained.clear()
        if tree.root_node.child_count == 0:  # an empty or blank file: no tokens at all
            return
        cursor = tree.walk()
        goto_first_child = cursor.goto_first_child
        goto_next_sibling = cursor.goto_next_sibling
        goto_parent = cursor.goto_parent
        depth = 0
        max_depth = 0
        while True:
            node: Node = cursor.node  # type: ignore[assignment]  # never None on a tree
            kind_id = node.kind_id
            record_kind(kind_id)
            flag = flags[kind_id]
            leaf = 1  # 1: a token, 2: a comment (an inner node continues with its first child)
            if not flag:  # most nodes: nothing to decide but whether the cursor can descend
                if goto_first_child():
                    depth += 1
                    continue
            else:
                if flag & _BEFORE:
                    if flag & _COLLECT:
                        by_id[kind_id].append(node)
                    if flag & _COMMENT or (flag & _ATOM and self.is_comment_atom(node, src)):
                        comment_lines.update(range(node.start_point[0], node.end_point[0] + 1))
                        leaf = 2
                    elif not flag & _ATOM and goto_first_child():
                        leaf = 0
                elif goto_first_child():
                    leaf = 0
                if not leaf:
                    if flag & _OPENS:
                        kind = names[kind_id]
                        opens_scope = flag & _FUNCTION and self.is_function(node)
                        if opens_scope:
                            opened = self._open(node, src, depth, functions[kind], scope, container)
                            opened.outer_state = (scope, container, nesting)
                            flush(scope, tokens, decisions, scope_nloc, scope_row)
                            scope_nloc, scope_row = opened.nloc, opened.last_row
                            scope_end = -1 if scope_row < 0 else \
                                line_ends[scope_row] if scope_row < lines else size
                            frames.append((depth, SCOPE, opened))
                            top = depth
                            scope, nesting = opened, 0
                        elif flag & _CONTAINER:
                            holder = Container(depth, self.container_name(node, src), container)
                            frames.append((depth, CONTAINER, holder))
                            top = depth
                            container = holder
                        if scope is not None and flag & _COGNITIVE:
                            if flag & _STRUCTURE:
                                if self.continues_chain(node):
                                    scope.cognitive += 1
                                else:
                                    scope.cognitive += 1 + nesting
                                    nesting += 1
                                    frames.append((depth, NEST, None))
                                    top = depth
                                    if nesting > scope.max_nesting:
                                        scope.max_nesting = nesting
                            elif flag & _FLAT:
                                if self.flat_increment(node):
                                    scope.cognitive += 1
                            elif flag & _NESTING_ONLY and not opens_scope:
                                nesting += 1
                                frames.append((depth, NEST, None))
                                top = depth
                            if flag & _LOGICAL:
                                scope.cognitive += self._logical_sequences(node)
                    depth += 1
                    continue
            if depth > max_depth:
                max_depth = depth
            if leaf == 1:
                # rows are counted as they advance; whether a token ends past the last row
                # counted is a comparison of offsets, and only then are its rows asked for
                end = node.end_byte
                if end > file_end:
                    last = node.end_point.row
                    first = node.start_point.row
                    file_nloc += last - (first - 1 if first > file_row else file_row)
                    file_row = last
                    file_end = line_ends[last] if last < lines else size
                    if scope is not None and last > scope_row:  # a scope may start it later
                        scope_nloc += last - (first - 1 if first > scope_row else scope_row)
                        scope_row = last
                        scope_end = file_end
                elif scope is not None and end > scope_end:
                    last = node.end_point.row
                    first = node.start_point.row
                    scope_nloc += last - (first - 1 if first > scope_row else scope_row)
                    scope_row = last
                    scope_end = line_ends[last] if last < lines else size
                tokens += 1
                role = roles[kind_id]
                if role:
                    if role & OPERAND:
                        file_operand(src[node.start_byte:node.end_byte])
                    elif role & OPERATOR:
                        file_operator(names[kind_id])
                    if role & DECISION:
                        decisions += 1
            while not goto_next_sibling():
                if not goto_parent():
                    flush(scope, tokens, decisions, scope_nloc, scope_row)
                    totals.max_depth = max_depth
                    node_types = totals.node_types
                    for kind_id, count in Counter(kinds).items():  # in order of appearance
                        node_types[names[kind_id]] += count
                    totals.code_lines = file_nloc
                    totals.tokens = tokens
                    for name, nodes in by_name.items():
                        if nodes:
                            collected.setdefault(name, []).extend(nodes)
                    if tree.root_node.has_error:
                        _error_lines(tree.root_node, flags, totals.error_lines)
                    found.extend(f[2] for f in reversed(frames)  # type: ignore[misc]
                                 if f[1] == SCOPE)
                    return
                depth -= 1
            while depth <= top:  # leaving what was opened here or deeper
                _, what, opened_frame = frames.pop()
                top = frames[-1][0] if frames else -1
                if what == SCOPE:
                    assert isinstance(opened_frame, Scope)
                    flush(scope, tokens, decisions, scope_nloc, scope_row)
                    found.append(opened_frame)
                    scope, container, nesting = opened_frame.outer_state
                    if scope is not None:
                        scope_nloc, scope_row = scope.nloc, scope.last_row
                        scope_end = -1 if scope_row < 0 else \
                            line_ends[scope_row] if scope_row < lines else size
                elif what == CONTAINER:
                    container = opened_frame.outer if isinstance(opened_frame, Container) \
                        else None
                else:
                    nesting -= 1

    def _open(self, node: Node, src: bytes, depth: int, default: FunctionKind,
              outer: Scope | None, container: Container | None) -> Scope:
        name = self.function_name(node, src)
        params, written = self.function_params(node, src)
        shown, qualified = self.function_names(node, name, outer, container, src)
        kind = self.function_kind(node, default, outer, container, src)
        start = self.start_line(node)
        return Scope(node=node, depth=depth, name=shown,
                     long_name=self.long_name(node, shown, written, src),
                     qualified_name=qualified, kind=kind, start_line=start,
                     end_line=node.end_point[0] + 1, params=params,
                     # rows above the start line (annotations) are then not the function's
                     last_row=start - 2 if self.nloc_from_start_line else -1)

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
        return count_operator_runs(found)


def _error_lines(root: Node, flags: list[int], lines: set[int]) -> None:
    """The lines of the ERROR and MISSING nodes the walk met (it does not enter comments and
    atoms), under a root with errors: only subtrees holding an error are entered, and all of
    an ERROR node (tree-sitter may not flag an error nested in one with `has_error`)."""
    stack = [(root, False)]
    while stack:
        node, in_error = stack.pop()
        is_error = node.is_error
        if is_error or node.is_missing:
            lines.add(node.start_point[0] + 1)
        if not flags[node.kind_id] & (_COMMENT | _ATOM):
            inside = in_error or is_error
            stack.extend((child, inside) for child in node.children
                         if inside or child.has_error)


def _halstead(operators: list[str], operands: list[bytes]) -> Halstead:
    return halstead(len(set(operators)), len(set(operands)), len(operators), len(operands))


def _text(node: Node | None, src: bytes) -> str:
    if node is None:
        return ""
    return src[node.start_byte:node.end_byte].decode("utf-8", "replace")


def _squash(text: str) -> str:
    """A parameter list on one line with single spaces, as lizard prints long names."""
    return " ".join(text.split())


def count_operator_runs(operators: list[tuple[int, str]]) -> int:
    """SonarSource counts a sequence of like boolean operators once: `a && b || c` is two runs.
    `operators` are (start byte, operator) pairs in any order."""
    runs = 0
    previous = ""
    for _, operator in sorted(operators):
        if operator != previous:
            runs += 1
        previous = operator
    return runs
