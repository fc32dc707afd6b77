"""C on tree-sitter-c, and the C-family machinery the C++ analyzer (cpp.py) builds on.

lizard's C/C++ reader (lizard_languages/clike.py, clike_states.py) is the reference for ccn and
NLOC, and it reads tokens, not a syntax tree. What it counts, and what this module mirrors:
- the condition tokens `if for while catch case && || ?`, plus one for every preprocessor
  `#if`, `#ifdef` and `#elif` (not `#ifndef`, not `#else`) met inside a function body;
- only the body counts: a function's ccn restarts at its `{`, so tokens of the head (parameters,
  default arguments, a constructor's initializer list, a trailing return type) do not count;
- `&&` followed by `=` before any of `; { } )` is taken for an rvalue reference and not counted
  (`auto&& x = f();`), every other `&&` is (`for (auto&& x : xs)` counts, as in lizard);
- preprocessor lines are not code: neither their tokens (`#if A && B`) nor their lines count,
  except `#include` lines, which count as code lines;
- a function starts on the line of its name (a return type on the line above is not part of
  it), and functions inside functions (methods of local classes, lambdas) are not functions of
  their own: their tokens count towards the enclosing function.
The engine counts decisions token by token; the few context-dependent rules above are applied
as corrections after the walk, from the tokens and directives the walk collects.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import ClassVar

import tree_sitter_c
from tree_sitter import Node, Point, Tree

from mesh.models import (
    ClassInfo,
    ClassKind,
    FunctionKind,
    ImportInfo,
    ImportKind,
    Language,
    Member,
)
from worker.analyzers.c_repair import Rewrite, better, repair
from worker.analyzers.engine import FileTotals, Scope, TreeSitterAnalyzer, _text

# Directive tokens whose lines lizard drops (all but `#include`).
DIRECTIVES = frozenset({"#if", "#ifdef", "#ifndef", "#elif", "#elifdef", "#elifndef", "#else",
                        "#endif", "#define", "preproc_directive"})
# Decision tokens that can sit where lizard does not count them (a function head, a directive).
MOVABLE_DECISIONS = frozenset({"&&", "||", "?", "#if", "#ifdef", "#elif"})
CONDITIONALS = frozenset({"preproc_if", "preproc_ifdef", "preproc_elif", "preproc_else",
                          "preproc_elifdef"})

# What lizard's tokenizer sees after an `&&` until it decides whether it was an rvalue reference:
# comments and literals are skipped whole, compound operators holding `=` are not `=`.
_AFTER_AND = re.compile(rb"/\*.*?\*/|//[^\n]*|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'"
                        rb"|<<=|>>=|==|!=|<=|>=|=>|\+=|-=|\*=|/=|\^=|&=|\|="
                        rb"|[=;{})]", re.S)


class CAnalyzer(TreeSitterAnalyzer):
    language: ClassVar[Language] = "c"
    grammar: ClassVar[object] = tree_sitter_c.language()
    version = "2"  # 2: the MI counts the `#if`s a repair blanked, as the functions do

    functions: ClassVar[dict[str, FunctionKind]] = {"function_definition": "function",
                                                    "compound_statement": "function"}
    definitions: ClassVar[frozenset[str]] = frozenset({"function_definition"})
    containers: ClassVar[frozenset[str]] = frozenset()
    comments = frozenset({"comment"})
    atoms = frozenset({"string_literal", "char_literal", "raw_string_literal",
                       "system_lib_string"})
    operands = frozenset({"identifier", "field_identifier", "type_identifier",
                          "statement_identifier", "number_literal", "true", "false", "null"})
    not_operators = frozenset({"(", ")", "[", "]", "{", "}", ",", ";", "\n", "#if", "#ifdef",
                               "#ifndef", "#elif", "#elifdef", "#elifndef", "#else", "#endif",
                               "#define", "#include"})
    decisions = frozenset({"if", "for", "while", "case", "&&", "||", "?", "#if", "#ifdef",
                           "#elif"})
    cognitive_structures = frozenset({"if_statement", "for_statement", "while_statement",
                                      "do_statement", "switch_statement",
                                      "conditional_expression"})
    cognitive_flat = frozenset({"else_clause", "goto_statement"})
    cognitive_nesting_only: ClassVar[frozenset[str]] = frozenset()
    logical_operators = frozenset({"&&", "||"})
    logical_expressions = frozenset({"binary_expression"})

    # the kinds of type specifiers reported as classes
    class_kinds: ClassVar[dict[str, ClassKind]] = {"struct_specifier": "struct",
                                                   "union_specifier": "union",
                                                   "enum_specifier": "enum"}
    collect = frozenset({"preproc_include", "\n", "&", "function_definition", *class_kinds,
                         *DIRECTIVES, *MOVABLE_DECISIONS})

    def __init__(self) -> None:
        super().__init__()
        self._blanked: list[int] = []  # lines of the `#if`s the file's repair blanked

    def start_file(self) -> None:
        self._blanked = []

    def parse(self, data: bytes, name: str) -> tuple[Tree, bytes]:
        """The file as written, or its repair (`repair`) when that parses better."""
        tree = self.parser.parse(data)
        if tree.root_node.has_error:
            rewrite = self.repair(data)
            if rewrite.spans:
                second, repaired = rewrite.reparse(self.parser, tree)
                if better(second.root_node, tree.root_node):
                    self._blanked = rewrite.conditions
                    return second, repaired
        return tree, data

    def repair(self, data: bytes) -> Rewrite:
        """The source with the macros tree-sitter cannot parse rewritten (c_repair.py), offsets
        unchanged; measured instead of the source when its parse is better."""
        return repair(data)

    # -- functions ------------------------------------------------------------------------------

    def is_function(self, node: Node) -> bool:
        """A definition with a body, not inside another function (lizard reads the methods of a
        local class, and nested functions, as part of the enclosing function); or a body whose
        head tree-sitter could not join to it (see `_orphan_head`)."""
        if node.type == "compound_statement":
            parent = node.parent
            return parent is not None and parent.type in _TOP_LEVEL and \
                _orphan_head(node) is not None
        if node.child_by_field_name("body") is None or _name_node(node) is None:
            return False  # `= default`, or a macro tree-sitter took for a definition's type
        parent = node.parent
        while parent is not None:
            if parent.type in self.definitions:
                return False
            parent = parent.parent
        return True

    def function_name(self, node: Node, src: bytes) -> str:
        name = _name_node(node)
        return _name_text(name, src) if name is not None else "(anonymous)"

    def function_params(self, node: Node, src: bytes) -> tuple[int, str]:
        if node.type == "compound_statement":
            head = _orphan_head(node)
            if head is not None and head.type == "call_expression":
                arguments = head.child_by_field_name("arguments")
                if arguments is None:
                    return 0, "()"
                return arguments.named_child_count, " ".join(_text(arguments, src).split())
            node = head.parent if head is not None and head.parent is not None else node
        params = _parameter_list(node)
        if params is None:
            return 0, "()"
        count = 0
        for child in params.named_children:
            kind = child.type
            if kind in ("comment", "variadic_parameter") or kind.startswith("preproc"):
                continue
            if kind == "parameter_declaration" and child.named_child_count == 1 and \
                    _text(child, src) == "void":
                continue
            count += 1
        return count, " ".join(_text(params, src).split())

    def start_line(self, node: Node) -> int:
        """The line of the function's name, as lizard reports it (a return type often stands on
        the line above)."""
        name = _name_node(node)
        return (name if name is not None else node).start_point[0] + 1

    def continues_chain(self, node: Node) -> bool:
        """`else if`: the `if` of an else clause is +1 for the chain, without nesting."""
        parent = node.parent
        return node.type == "if_statement" and parent is not None and \
            parent.type == "else_clause"

    def flat_increment(self, node: Node) -> bool:
        """An `else` is +1, unless it is an `else if` (the `if` counts then)."""
        if node.type != "else_clause":
            return True
        body = next((c for c in node.named_children if c.type != "comment"), None)
        return body is None or body.type != "if_statement"

    # -- lizard's context-dependent rules, applied after the walk -------------------------------

    def correct(self, tree: Tree, src: bytes, totals: FileTotals, found: list[Scope],
                collected: dict[str, list[Node]]) -> None:
        self._correct(src, totals, found, collected)
        if self._blanked:
            _count_blanked_conditions(found, tree, self._blanked)

    def _correct(self, src: bytes, totals: FileTotals, found: list[Scope],
                 collected: dict[str, list[Node]]) -> None:
        scopes = sorted(found, key=lambda s: s.node.start_byte)
        starts = [s.node.start_byte for s in scopes]
        bodies = [_body_start(s.node) for s in scopes]

        def scope_at(offset: int) -> int:
            i = bisect_right(starts, offset) - 1
            return i if i >= 0 and offset < scopes[i].node.end_byte else -1

        # Directive lines: not code, and their tokens are not counted.
        directive_rows: set[int] = set()
        rows_in_scope: dict[int, set[int]] = {}
        for kind in DIRECTIVES:
            for token in collected.get(kind, ()):
                rows = _directive_rows(token)
                directive_rows.update(rows)
                index = scope_at(token.start_byte)
                if index >= 0:
                    rows_in_scope.setdefault(index, set()).update(rows)
        # The newline ending a directive is a token reaching into the next rows (blank lines
        # included): those are code only if something else is on them.
        lines = src.split(b"\n") if "\n" in collected else []
        not_code = set(directive_rows)
        for token in collected.get("\n", ()):
            for row in range(token.start_point[0] + 1, token.end_point[0] + 1):
                if row < len(lines) and _no_code(lines[row]):
                    not_code.add(row)
                    index = scope_at(token.start_byte)
                    if index >= 0:
                        rows_in_scope.setdefault(index, set()).add(row)
        totals.code_lines -= len(not_code)

        # Decisions lizard does not count: in directives, in function heads, rvalue `&&`; and
        # decisions tree-sitter did not see as such (a `&&` read as two `&`, an `if` read as
        # the name of a function).
        rvalue_end = -1
        for kind in MOVABLE_DECISIONS:
            tokens: list[Node] = collected.get(kind, [])
            counted = True  # by the engine
            if kind == "&&":
                tokens = sorted([*tokens, *_split_ands(collected.get("&", []), src)],
                                key=lambda t: t.start_byte)
            for token in tokens:
                offset = token.start_byte
                if kind == "&&":
                    counted = token.type == "&&"
                if kind[0] != "#" and token.start_point[0] in directive_rows:
                    drop = True  # lizard never sees the tokens of a directive
                else:
                    drop = False
                    if kind == "&&" and offset >= rvalue_end:
                        drop, rvalue_end = _rvalue_reference(src, offset + 2)
                index = scope_at(offset)
                if not drop and index >= 0 and offset < bodies[index]:
                    drop = True  # in a function's head: lizard restarts ccn at the body
                change = (-1 if drop else 0) if counted else (0 if drop else 1)
                if index >= 0:
                    scopes[index].ccn += change
                else:
                    totals.top_level_ccn += change
        for definition in collected.get("function_definition", ()):
            name = definition.child_by_field_name("declarator")
            if name is not None and name.type == "function_declarator":
                name = name.child_by_field_name("declarator")
            if name is not None and name.type == "identifier" and \
                    name.text in (b"if", b"for", b"while"):  # `#if X else if (...) {`
                index = scope_at(name.start_byte)
                if index >= 0 and scopes[index].node != definition:
                    scopes[index].ccn += 1

        # NLOC: a function starts at its name; directive lines are not code.
        for index, scope in enumerate(scopes):
            if scope.node.type == "compound_statement":  # its head stands before it
                head = _orphan_head(scope.node)
                if head is not None:  # the rows from its name to the body's first
                    last = head.end_point[0] - (head.end_point[0] == scope.node.start_point[0])
                    scope.nloc += max(last - scope.start_line + 2, 0)
            not_counted = rows_in_scope.get(index, set()) | \
                _head_rows(scope.node, scope.start_line - 1)
            if not_counted:
                scope.nloc = max(scope.nloc - len(not_counted), 1)

    # -- classes and imports --------------------------------------------------------------------

    def classes(self, nodes: dict[str, list[Node]], src: bytes) -> list[ClassInfo]:
        found: list[ClassInfo] = []
        for kind, class_kind in self.class_kinds.items():
            for node in nodes.get(kind, ()):
                body = node.child_by_field_name("body")
                if body is None:
                    continue  # a reference (`struct foo *p`), not a definition
                found.append(self._class(node, body, class_kind, src))
        found.sort(key=lambda c: c.start_line)
        return found

    def _class(self, node: Node, body: Node, kind: ClassKind, src: bytes) -> ClassInfo:
        fields: list[Member] = []
        methods: list[Member] = []
        if kind == "enum":
            fields = [Member(name=_text(e.child_by_field_name("name"), src),
                             line=e.start_point[0] + 1,
                             visibility=self.default_visibility("struct"), static=True)
                      for e in body.named_children if e.type == "enumerator"]
        else:
            visibility = self.default_visibility(kind)
            for member in _members(body):
                if member.type == "access_specifier":
                    visibility = _text(member, src).split()[0]
                else:
                    self._member(member, src, visibility, methods, fields)
        return ClassInfo(name=self.class_name(node, src), kind=kind,
                         start_line=node.start_point[0] + 1, end_line=node.end_point[0] + 1,
                         bases=self.class_bases(node, src), methods=methods, fields=fields)

    def class_name(self, node: Node, src: bytes) -> str:
        """The tag, else the typedef name of an anonymous struct (`typedef struct {..} T;`)."""
        name = node.child_by_field_name("name")
        if name is not None:
            return _text(name, src)
        parent = node.parent
        if parent is not None and parent.type == "type_definition":
            declarator = parent.child_by_field_name("declarator")
            while declarator is not None and declarator.type not in ("type_identifier",
                                                                     "identifier"):
                declarator = declarator.child_by_field_name("declarator")
            if declarator is not None:
                return _text(declarator, src)
        return "(anonymous)"

    def class_bases(self, node: Node, src: bytes) -> list[str]:
        return []

    def default_visibility(self, kind: ClassKind) -> str:
        """C has no access control: members have no visibility."""
        return ""

    def _member(self, member: Node, src: bytes, visibility: str, methods: list[Member],
                fields: list[Member]) -> None:
        """A C struct's fields (function pointers included: C has no methods)."""
        if member.type != "field_declaration":
            return
        for declarator in member.children_by_field_name("declarator"):
            name = _innermost_name(declarator)
            if name is not None:
                fields.append(Member(name=_text(name, src), line=member.start_point[0] + 1,
                                     visibility=visibility))

    def imports(self, nodes: dict[str, list[Node]], src: bytes) -> list[ImportInfo]:
        found: list[ImportInfo] = []
        for node in nodes.get("preproc_include", ()):
            path = node.child_by_field_name("path")
            if path is None:
                continue
            kind: ImportKind
            if path.type == "system_lib_string":
                module, kind = _text(path, src)[1:-1].strip(), "static"
            elif path.type == "string_literal":
                module, kind = _text(path, src)[1:-1], "relative"
            else:  # `#include MACRO`: which file is known only to the preprocessor
                module, kind = _text(path, src), "dynamic"
            if _conditional(node, src):
                kind = "conditional"
            found.append(ImportInfo(module=module, kind=kind, line=node.start_point[0] + 1))
        return found


# -- helpers shared with cpp.py -----------------------------------------------------------------

_WRAPPERS = frozenset({"pointer_declarator", "reference_declarator", "attributed_declarator",
                       "parenthesized_declarator", "init_declarator"})


def _function_declarator(node: Node) -> Node | None:
    """The function_declarator (or a C++ conversion operator) of a definition."""
    declarator = node.child_by_field_name("declarator")
    while declarator is not None:
        kind = declarator.type
        if kind in ("function_declarator", "operator_cast"):
            return declarator
        if kind == "qualified_identifier":  # `T::operator bool() const`
            inner = declarator.child_by_field_name("name")
            while inner is not None and inner.type == "qualified_identifier":
                inner = inner.child_by_field_name("name")
            return declarator if inner is not None and inner.type == "operator_cast" else None
        if kind not in _WRAPPERS:
            return None
        nested = declarator.child_by_field_name("declarator")
        if nested is None:  # reference_declarator has no field: its last named child
            nested = declarator.named_children[-1] if declarator.named_children else None
        declarator = nested
    return None


def _declarator_name(node: Node) -> Node | None:
    """The name of a function definition as written: `f`, `ns::C<int>::f`, `~C`, `operator==`."""
    declarator = _function_declarator(node)
    if declarator is None:
        return None
    if declarator.type == "function_declarator":
        return declarator.child_by_field_name("declarator")
    return declarator  # operator_cast, or a qualified_identifier naming one


_TOP_LEVEL = frozenset({"translation_unit", "declaration_list", "linkage_specification"})


def _orphan_head(body: Node) -> Node | None:
    """The head of a function body tree-sitter parsed apart from it, which lizard joins: a
    macro call (`TEST_CASE("x") {`, `MATCHER(IsEven, "") {`), or the last of several heads in a
    preprocessor conditional (`#ifdef X int f(int a) #else int f(void) #endif {`). Returns the
    call_expression, or the function_declarator of the head."""
    previous = body.prev_sibling
    while previous is not None and previous.type == "comment":
        previous = previous.prev_sibling
    if previous is None:
        return None
    if previous.type == "expression_statement":
        if previous.named_child_count != 1 or _has_semicolon(previous):
            return None
        call = previous.named_children[0]
        function = call.child_by_field_name("function") if call.type == "call_expression" \
            else None
        return call if function is not None and function.type == "identifier" else None
    while previous is not None and previous.type in ("preproc_if", "preproc_ifdef",
                                                     "preproc_else", "preproc_elif"):
        alternative = previous.child_by_field_name("alternative")
        if alternative is not None:
            previous = alternative
            continue
        named = [c for c in previous.named_children if c.type != "comment"]
        previous = named[-1] if named else None
    if previous is None or previous.type != "declaration" or _has_semicolon(previous):
        return None
    declarator = previous.child_by_field_name("declarator")
    while declarator is not None and declarator.type in _WRAPPERS:
        declarator = declarator.child_by_field_name("declarator")
    return declarator if declarator is not None and \
        declarator.type == "function_declarator" else None


def _has_semicolon(statement: Node) -> bool:
    last = statement.child(statement.child_count - 1)
    return last is not None and last.type == ";" and not last.is_missing and \
        last.end_byte > last.start_byte


def _name_node(node: Node) -> Node | None:
    """The name of a function: of its declarator, or of the head of an orphan body."""
    if node.type == "lambda_expression":
        return node
    if node.type != "compound_statement":
        name = _declarator_name(node)
        if name is None:  # `TEST_BEGIN(test_x) {`: a macro, as lizard reads it
            declarator = node.child_by_field_name("declarator")
            kind = node.child_by_field_name("type")
            if declarator is not None and declarator.type == "parenthesized_declarator" and \
                    kind is not None and kind.type == "type_identifier":
                return kind
        return name
    head = _orphan_head(node)
    if head is None:
        return None
    return head.child_by_field_name("function" if head.type == "call_expression"
                                    else "declarator")


def _parameter_list(node: Node) -> Node | None:
    if node.type == "lambda_expression":
        declarator = node.child_by_field_name("declarator")
        return declarator.child_by_field_name("parameters") if declarator is not None else None
    declarator = _function_declarator(node)
    while declarator is not None and declarator.type != "parameter_list":
        if declarator.type in ("function_declarator", "abstract_function_declarator"):
            return declarator.child_by_field_name("parameters")
        nested = declarator.child_by_field_name("declarator") or \
            declarator.child_by_field_name("name")
        declarator = nested
    return declarator


_OPERATOR_TOKENS = re.compile(r"\w+|\"\"|\(\)|\[\]|->\*?|<<=|>>=|<=>|[-+*/%^&|<>=!]=?|&&|\|\||"
                              r"<<|>>|\+\+|--|[~,]|\S")


def _name_text(name: Node, src: bytes) -> str:
    """A function name as lizard spells it: no spaces, except around an operator's symbol
    (`operator ==`, `operator ( )`, `T::operator bool`)."""
    end = name.end_byte
    cast = name
    while cast.type == "qualified_identifier":
        cast = cast.child_by_field_name("name") or cast
        if cast.type not in ("qualified_identifier", "operator_cast"):
            break
    if cast.type == "operator_cast":  # up to its parameters: `operator bool() const`
        declarator = cast.child_by_field_name("declarator")
        end = declarator.start_byte if declarator is not None else end
    text = src[name.start_byte:end].decode("utf-8", "replace")
    head, sep, tail = text.partition("operator")
    if sep and (not tail or not (tail[0].isalnum() or tail[0] == "_")):
        words = []
        for token in _OPERATOR_TOKENS.findall(tail):
            words.extend(token) if token in ("()", "[]") else words.append(token)
        return "".join(head.split()) + " ".join(["operator", *words])
    return "".join(text.split())


def _innermost_name(declarator: Node) -> Node | None:
    while declarator is not None and declarator.type not in (
            "identifier", "field_identifier", "type_identifier", "operator_name",
            "destructor_name", "qualified_identifier"):
        nested = declarator.child_by_field_name("declarator")
        if nested is None and declarator.named_children:
            nested = declarator.named_children[-1] if declarator.type in (
                "reference_declarator", "parenthesized_declarator") else None
        declarator = nested  # type: ignore[assignment]
    return declarator


def _body_start(node: Node) -> int:
    body = node.child_by_field_name("body")
    return body.start_byte if body is not None else node.start_byte


def _directive_rows(token: Node) -> set[int]:
    """The rows the engine counted for the preprocessor line a directive token opens: those of
    its tokens (a comment inside a `#define` is none)."""
    row = token.start_point[0]
    parent = token.parent
    kind = token.type
    rows = {row}
    if parent is None or kind in ("#else", "#endif"):
        return rows
    if kind in ("#if", "#elif"):
        parts = [parent.child_by_field_name("condition")]
    elif kind == "#define":
        parts = [parent.child_by_field_name(field) for field in ("name", "parameters", "value")]
    elif kind == "preproc_directive":
        parts = [parent.child_by_field_name("argument")]
    else:  # #ifdef, #ifndef, #elifdef, #elifndef
        parts = [parent.child_by_field_name("name")]
    for part in parts:
        if part is not None:
            rows.update(range(part.start_point[0], part.end_point[0] + 1))
    return rows


def _count_blanked_conditions(found: list[Scope], tree: Tree, lines: list[int]) -> None:
    """The `#if`s a repair blanked count as lizard counts them: in a function's body (the
    first function by start line that holds the line)."""
    functions = sorted(found, key=lambda f: f.start_line)
    for line in lines:
        point = Point(line - 1, 0)
        node: Node | None = tree.root_node.descendant_for_point_range(point, point)
        while node is not None and node.type != "compound_statement":
            node = node.parent
        if node is None:
            continue  # not in a body: a head, a declaration
        for function in functions:
            if function.start_line < line < function.end_line:
                function.ccn += 1
                break


def _split_ands(ampersands: list[Node], src: bytes) -> list[Node]:
    """The `&&`s tree-sitter read as two address-of operators: after a parenthesised name it
    may take `(f)(x)` for a cast, and `(f)(x) && y` for a cast of `&(&y)`."""
    return [token for token in ampersands
            if src[token.end_byte:token.end_byte + 1] == b"&" and token.parent is not None and
            token.parent.type == "pointer_expression"]


def _no_code(line: bytes) -> bool:
    """A blank or comment-only line (a directive line is counted apart)."""
    text = line.strip()
    if not text or text.startswith(b"//"):
        return True
    closing = text.count(b"*/")
    return text.startswith(b"/*") and (closing == 0 or (closing == 1 and text.endswith(b"*/")))


def _rvalue_reference(src: bytes, offset: int) -> tuple[bool, int]:
    """Whether lizard takes the `&&` ending at `offset` for an rvalue reference: the next of
    `= ; { } )` is `=`. Also where that look-ahead stops (an `&&` before it is not looked at)."""
    position = offset
    while True:
        match = _AFTER_AND.search(src, position)
        if match is None:
            return False, len(src)
        text = match.group()
        if len(text) == 1:
            return text == b"=", match.end()
        position = match.end()


def _head_rows(node: Node, name_row: int) -> set[int]:
    """Rows of a definition above its name's row (`static int` on a line of its own)."""
    rows: set[int] = set()
    if node.start_point[0] >= name_row:
        return rows
    for child in node.children:
        first = child.start_point[0]
        if first >= name_row:
            break
        if child.type != "comment":
            rows.update(range(first, min(child.end_point[0], name_row - 1) + 1))
    return rows


def _members(body: Node) -> list[Node]:
    """The members of a field_declaration_list, looking into preprocessor conditionals."""
    found: list[Node] = []
    stack = list(reversed(body.named_children))
    while stack:
        node = stack.pop()
        if node.type in CONDITIONALS or node.type.startswith("preproc_if"):
            stack.extend(reversed(node.named_children))
        else:
            found.append(node)
    return found


def _conditional(node: Node, src: bytes) -> bool:
    """Inside `#if`/`#ifdef`/`#else` other than an include guard (`#ifndef X_H #define X_H`)."""
    parent = node.parent
    while parent is not None:
        if parent.type in CONDITIONALS and not _include_guard(parent, src):
            return True
        parent = parent.parent
    return False


def _include_guard(node: Node, src: bytes) -> bool:
    opener = node.child(0)
    if node.type != "preproc_ifdef" or opener is None or opener.type != "#ifndef":
        return False
    name = node.child_by_field_name("name")
    if name is None or node.parent is None or node.parent.type != "translation_unit":
        return False
    first = next((c for c in node.named_children[1:] if c.type != "comment"), None)
    if first is None or first.type != "preproc_def":
        return False
    return _text(first.child_by_field_name("name"), src) == _text(name, src)

