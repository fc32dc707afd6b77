"""Rust on tree-sitter-rust: node types as data, plus the hooks Rust needs.

lizard's Rust reader is the reference for ccn. It counts, token by token, `if for while where
&& || ?` (the `?` try operator, and `?Sized`), every `match` arm after the first (via `=>`),
and the `else` of `let ... else`. Its tokenizer sees `&&` and `||` wherever two `&` or two `|`
touch: in `&&str`, `&&x` and the empty closure parameters `||` too, which tree-sitter splits into
two tokens; the hooks below add those back, and read the tokens of macros as lizard does. Only
`fn` items are functions to lizard: a closure's decisions are its function's (a closure bound to
a name is reported as well, measured on its own). tree-sitter leaves a macro's contents as
tokens; the items written there (`cfg_rt! { pub fn spawn() {..} }`, `macro_rules!` bodies) are
parsed again as Rust. docs/languages/rust.md says what differs from lizard and why.

This module must never do I/O. An analyzer instance is not thread-safe (neither is its parser).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import ClassVar

import tree_sitter_rust
from tree_sitter import Language as Grammar
from tree_sitter import Node, Parser, Range, Tree

from mesh.models import (
    ClassInfo,
    ClassKind,
    FunctionKind,
    ImportInfo,
    ImportKind,
    Member,
)
from worker.analyzers.engine import (
    DECISION,
    OPERATOR,
    Container,
    FileTotals,
    Scope,
    TreeSitterAnalyzer,
    _squash,
    _text,
)

# named leaves that are keywords or punctuation, not operands
_KEYWORD_LEAVES = frozenset({"mutable_specifier", "remaining_field_pattern", "shebang"})
# nodes whose items qualify the names of the functions inside them
_ITEMS_WITH_BODIES = ("impl_item", "trait_item", "mod_item")
# closures bound to a name by these (`let f = |x| ...;`, `const F: fn() = || ...;`)
_BINDINGS = frozenset({"let_declaration", "const_item", "static_item"})
# what lizard's tokenizer joins into `&&` when tree-sitter splits it
_REFERENCES = frozenset({"reference_type", "reference_expression", "reference_pattern"})
_NOT_PARAMETERS = frozenset({"line_comment", "block_comment", "attribute_item"})
_DECLARATIONS = ("struct_item", "enum_item", "union_item", "trait_item", "impl_item",
                 "use_declaration", "extern_crate_declaration", "mod_item")
_CFG_MACROS = "(cfg macros)"  # collected: `cfg_*!` invocations, whose items are conditional
_FN = re.compile(rb"\bfn\b")
_ITEM = re.compile(rb"\b(?:fn|struct|enum|union|trait|impl|use|mod|extern)\b")
# Rust 2015's `try!(...)`: a keyword since 2018, so tree-sitter-rust cannot parse the macro
_TRY_MACRO = re.compile(rb"(?<![\w#])try(?=\s*!)")
_METAVARIABLE = re.compile(rb"\$(?=[A-Za-z_])")
_MACRO_DEPTH = 8  # macros in macros parsed again, at most (each level parses its contents)
_ITEM_LEVEL = frozenset({"source_file", "declaration_list"})
_TYPES: dict[str, ClassKind] = {"struct_item": "struct", "enum_item": "enum",
                                "union_item": "union", "trait_item": "trait", "impl_item": "impl"}


class _Subtree:
    """A node seen as a tree, so the engine's walk can measure one closure on its own."""

    def __init__(self, node: Node) -> None:
        self.root_node = node

    def walk(self):  # type: ignore[no-untyped-def]
        return self.root_node.walk()


class RustAnalyzer(TreeSitterAnalyzer):
    language = "rust"
    grammar = tree_sitter_rust.language()
    version = "1"

    functions: ClassVar[dict[str, FunctionKind]] = {
        "function_item": "function",
        "closure_expression": "closure",  # only when bound to a name, measured on its own
    }
    containers = frozenset(_ITEMS_WITH_BODIES)
    comments = frozenset({"line_comment", "block_comment"})
    atoms = frozenset({"string_literal", "raw_string_literal", "char_literal"})
    operands = frozenset({"identifier", "true", "false", "self", "crate", "super"})
    not_operators = frozenset({"(", ")", "[", "]", "{", "}", ",", ";", ":", ".", "'", "#",
                               "fn", "struct", "enum", "union", "trait", "impl", "mod", "use",
                               "extern", "type", "->"})
    decisions = frozenset({"if", "for", "while", "where", "&&", "||", "?"})
    cognitive_structures = frozenset({"if_expression", "match_expression", "for_expression",
                                      "while_expression", "loop_expression"})
    cognitive_flat = frozenset({"else_clause", "let_declaration", "break_expression",
                                "continue_expression"})
    cognitive_nesting_only = frozenset({"closure_expression"})
    logical_operators = frozenset({"&&", "||"})
    logical_expressions = frozenset({"binary_expression"})

    collect = frozenset({*_TYPES, "use_declaration", "extern_crate_declaration", "mod_item",
                         "line_comment", "block_comment", *_REFERENCES, "closure_parameters",
                         "match_block", "let_declaration", "const_item", "static_item",
                         "macro_invocation", "macro_rule"})

    def __init__(self) -> None:
        super().__init__()
        self._macro_parser = Parser(Grammar(self.grammar))  # token trees parsed as Rust
        self._closure: int | None = None  # id of the closure measured on its own, if any
        self._macro_depth = 0  # macros in macros being parsed again
        self._else_ifs: set[int] = set()  # ids of the `if`s of `else if`, in the current walk

    def start_file(self) -> None:
        self._else_ifs.clear()

    def parse(self, data: bytes, name: str) -> tuple[Tree, bytes]:
        """`try!(...)` (Rust 2015) is parsed as a macro like any other: the tree is parsed from
        a copy where it reads `tr_!(...)` (same length, so every position holds) and measured
        on the file's own bytes."""
        if _TRY_MACRO.search(data) is None:
            return super().parse(data, name)
        return self.parser.parse(_parseable(data)), data

    # -- functions ------------------------------------------------------------------------------

    def is_function(self, node: Node) -> bool:
        return node.type == "function_item" or node.id == self._closure

    def function_name(self, node: Node, src: bytes) -> str:
        if node.type == "closure_expression":
            return _binding_name(node, src) or "(closure)"
        return super().function_name(node, src)

    def function_params(self, node: Node, src: bytes) -> tuple[int, str]:
        params = node.child_by_field_name("parameters")
        if params is None:
            return 0, "||" if node.type == "closure_expression" else "()"
        count = sum(1 for c in params.named_children if c.type not in _NOT_PARAMETERS)
        return count, _squash(_text(params, src))

    def function_kind(self, node: Node, default: FunctionKind, outer: Scope | None,
                      container: Container | None, src: bytes) -> FunctionKind:
        if node.type == "closure_expression":
            return "closure"
        owner = _owner(node)
        return "function" if owner is None else _method_kind(node, owner.type)

    def start_line(self, node: Node) -> int:
        """The line of `fn`, where lizard starts a function (not of `pub` or `async` before)."""
        for child in node.children:
            if child.type == "fn":
                return child.start_point[0] + 1
        return node.start_point[0] + 1

    def container_name(self, node: Node, src: bytes) -> str:
        """`Type` of an impl (generics left out), a trait's or module's name, after the names of
        the modules it is written in: `tests::Fixture`."""
        if node.type == "impl_item":
            name = _type_name(node.child_by_field_name("type"), src)
        else:
            name = super().container_name(node, src)
        parent = node.parent
        while parent is not None:
            if parent.type == "mod_item":
                name = f"{_text(parent.child_by_field_name('name'), src)}::{name}"
            parent = parent.parent
        return name

    separator = "::"

    def function_names(self, node: Node, name: str, outer: Scope | None,
                       container: Container | None, src: bytes) -> tuple[str, str]:
        """Qualified by the innermost impl, trait or module when it is inside the enclosing
        function (or there is none), else by that function."""
        if container is not None and container.name and (outer is None or
                                                         container.depth > outer.depth):
            return name, f"{container.name}::{name}"
        return super().function_names(node, name, outer, None, src)

    # -- cognitive complexity -------------------------------------------------------------------

    def continues_chain(self, node: Node) -> bool:
        return node.id in self._else_ifs  # the `if` of `else if`, met at its `else` first

    def flat_increment(self, node: Node) -> bool:
        kind = node.type
        if kind == "else_clause":  # `else if` is counted by its `if`
            for child in node.named_children:
                if child.type == "if_expression":
                    self._else_ifs.add(child.id)
                    return False
            return True
        if kind == "let_declaration":
            return node.child_by_field_name("alternative") is not None
        return any(child.type == "label" for child in node.named_children)  # break 'outer

    # -- the walk, plus what lizard's tokens see and tree-sitter's do not -----------------------

    def leaf_role(self, kind: str, named: bool) -> int:
        role = super().leaf_role(kind, named)
        if kind in _KEYWORD_LEAVES:
            role = OPERATOR | (role & DECISION)
        return role

    def correct(self, tree: Tree, src: bytes, totals: FileTotals, found: list[Scope],
                collected: dict[str, list[Node]]) -> None:
        self._add_unseen(src, totals, found, collected, 0)

    def _walk_rust(self, tree: Tree, src: bytes, totals: FileTotals, found: list[Scope],
                   collected: dict[str, list[Node]]) -> int:
        """The engine's walk of a part of the file (a closure, a macro's items) and what it
        cannot see there (`_add_unseen`)."""
        first = len(found)
        self._else_ifs.clear()
        self._walk(tree, src, totals, found, collected)
        return self._add_unseen(src, totals, found, collected, first)

    def _add_unseen(self, src: bytes, totals: FileTotals, found: list[Scope],
                    collected: dict[str, list[Node]], first: int) -> int:
        """After a walk, what it cannot see: decisions lizard counts that are no token of
        tree-sitter's, closures bound to names, functions written inside macros. Returns the
        decisions added to functions that are no decision token at all (match arms, let-else)."""
        # a `///` comment's node holds its newline: it ends at column 0 of the next line,
        # which the engine counted as a comment line
        comments = [node for kind in self.comments for node in collected.get(kind, [])]
        for node in comments:
            end_row, end_column = node.end_point
            if end_column == 0 and end_row > node.start_point[0]:
                totals.comment_lines.discard(end_row)
        for node in comments:  # the lines the comments really cover
            end_row, end_column = node.end_point
            last = end_row - 1 if end_column == 0 and end_row > node.start_point[0] else end_row
            totals.comment_lines.update(range(node.start_point[0], last + 1))
        functions = _Functions(found[first:])
        macros = [node for kind in ("macro_invocation", "macro_rule")
                  for node in collected.get(kind, [])]
        with_items = {node.id for node in macros if self._closure is None and
                      self._macro_depth < _MACRO_DEPTH and _holds_items(node, src)}
        structural = self._add_extras(_lizard_extras(collected, src, with_items), functions,
                                      totals)
        if self._closure is not None:  # measuring one closure: the rest is done once, outside
            return structural
        bound = _bound_closures(collected, src)
        for node, _ in bound:
            closure = self._measure_closure(node, src, functions, bound)
            found.append(closure)
            totals.top_level_ccn -= closure.ccn - 1  # already in its function's
        for node in macros:
            if node.id in with_items and \
                    not self._measure_macro(node, src, totals, found, collected, functions):
                # no items after all: its tokens are read like any others'
                structural += self._add_extras(_token_tree_extras(node), functions, totals)
        return structural

    @staticmethod
    def _add_extras(extras: list[tuple[int, Node, bool]], functions: _Functions,
                    totals: FileTotals) -> int:
        structural = 0
        for delta, node, token in extras:
            scope = functions.around(node)
            if scope is not None:
                scope.ccn += delta
                if not token:
                    structural += delta
            else:
                totals.top_level_ccn += delta
        return structural

    def _measure_macro(self, node: Node, src: bytes, totals: FileTotals, found: list[Scope],
                       collected: dict[str, list[Node]], functions: _Functions) -> bool:
        """Items written in a macro's token tree (`cfg_rt! { pub fn spawn() {..} }`, the body of
        a `macro_rules!` rule), which tree-sitter leaves as tokens: lizard sees their `fn`s, so
        the token tree is parsed again as Rust on its own and measured like the file. Whether
        it held any items."""
        body = _macro_body(node)
        if body is None or body.child_count < 2:
            return False
        opening, closing = body.children[0], body.children[-1]
        start, end = opening.end_byte, closing.start_byte
        self._macro_parser.included_ranges = [Range(opening.end_point, closing.start_point,
                                                    start, end)]
        inner = self._macro_parser.parse(_as_rust(src, start, end))
        inner_found: list[Scope] = []
        inner_collected: dict[str, list[Node]] = {}
        self._macro_depth += 1
        try:
            structural = self._walk_rust(inner, src, FileTotals(), inner_found, inner_collected)
        finally:
            self._macro_depth -= 1
        if not inner_found and not any(inner_collected.get(k) for k in _DECLARATIONS):
            return False
        for kind in _DECLARATIONS:
            collected.setdefault(kind, []).extend(inner_collected.get(kind, []))
        if node.type == "macro_invocation" and \
                _text(node.child_by_field_name("macro"), src).rpartition("::")[2].startswith("cfg"):
            collected.setdefault(_CFG_MACROS, []).append(node)
        collected.setdefault(_CFG_MACROS, []).extend(inner_collected.get(_CFG_MACROS, []))
        # where the macro is written qualifies the names and the kinds of what it holds
        outer = functions.around(node)
        prefix = outer.qualified_name if outer is not None else ""
        owner = None
        if outer is None:
            parent = node.parent
            while parent is not None and parent.type not in _ITEMS_WITH_BODIES:
                parent = parent.parent
            if parent is not None:
                prefix = self.container_name(parent, src)
                if node.parent is not None and node.parent.parent == parent:
                    owner = parent.type
        moved = -structural  # decision tokens in the functions, counted where the macro is
        for scope in inner_found:
            if prefix:
                scope.qualified_name = f"{prefix}::{scope.qualified_name}"
            if scope.node.type == "function_item":
                moved += scope.ccn - 1
                if owner is not None and scope.kind == "function" and \
                        scope.node.parent is not None and scope.node.parent.parent is None:
                    scope.kind = _method_kind(scope.node, owner)
        if outer is not None:
            outer.ccn -= moved
        else:
            totals.top_level_ccn -= moved
        found.extend(inner_found)
        return True

    def _measure_closure(self, node: Node, src: bytes, functions: _Functions,
                         bound: list[tuple[Node, str]]) -> Scope:
        """A closure bound to a name, measured as a function of its own. Its tokens stay in the
        function around it too, as lizard counts them there."""
        self._closure = node.id
        try:
            found: list[Scope] = []
            self._walk_rust(_Subtree(node), src, FileTotals(), found, {})  # type: ignore[arg-type]
        finally:
            self._closure = None
        closure = next(scope for scope in found if scope.node.id == node.id)
        outer = functions.around(node)
        names = [outer.qualified_name] if outer is not None else []
        start, end = node.start_byte, node.end_byte
        low = outer.node.start_byte if outer is not None else -1
        names.extend(name for other, name in bound  # closures it is bound in, outermost first
                     if low < other.start_byte <= start and end <= other.end_byte and
                     other.id != node.id)
        names.append(closure.name)
        closure.qualified_name = "::".join(names)
        return closure

    # -- classes and imports --------------------------------------------------------------------

    def classes(self, nodes: dict[str, list[Node]], src: bytes) -> list[ClassInfo]:
        found = [self._type(node, src) for kind in _TYPES for node in nodes.get(kind, [])]
        found.sort(key=lambda c: c.start_line)
        return found

    def _type(self, node: Node, src: bytes) -> ClassInfo:
        kind = _TYPES[node.type]
        bases: list[str] = []
        methods: list[Member] = []
        fields: list[Member] = []
        if kind == "impl":
            name = _type_name(node.child_by_field_name("type"), src)  # `Vec<T>`: `Vec`
            trait = node.child_by_field_name("trait")
            if trait is not None:
                negative = any(c.type == "!" for c in node.children)
                bases.append(("!" if negative else "") + _squash(_text(trait, src)))
        else:
            name = _text(node.child_by_field_name("name"), src)
        if kind == "trait":
            bounds = node.child_by_field_name("bounds")
            if bounds is not None:
                bases = [_squash(_text(b, src)) for b in bounds.named_children
                         if not b.type.endswith("comment")]
        body = node.child_by_field_name("body")
        if body is not None and kind in ("impl", "trait"):
            public = kind == "trait" or bool(bases)  # a trait's items are as visible as it
            for item in body.named_children:
                if item.type in ("function_item", "function_signature_item"):
                    item_name = _text(item.child_by_field_name("name"), src)
                    static = _receiver(item) is None
                    methods.append(Member(
                        name=item_name, line=item.start_point[0] + 1,
                        visibility="public" if public else _visibility(item, src),
                        static=static, constructor=static and item_name == "new"))
                elif item.type in ("const_item", "static_item"):
                    fields.append(Member(
                        name=_text(item.child_by_field_name("name"), src),
                        line=item.start_point[0] + 1,
                        visibility="public" if public else _visibility(item, src), static=True))
        elif body is not None and kind == "enum":
            visibility = _visibility(node, src)
            fields = [Member(name=_text(v.child_by_field_name("name"), src),
                             line=v.start_point[0] + 1, visibility=visibility, static=True)
                      for v in body.named_children if v.type == "enum_variant"]
        elif body is not None:
            fields = _fields(body, src)
        return ClassInfo(name=name, kind=kind, start_line=node.start_point[0] + 1,
                         end_line=node.end_point[0] + 1, bases=bases, methods=methods,
                         fields=fields)

    def imports(self, nodes: dict[str, list[Node]], src: bytes) -> list[ImportInfo]:
        found: list[ImportInfo] = []
        cfg_macros = [(m.start_byte, m.end_byte) for m in nodes.get(_CFG_MACROS, [])]

        def conditional(node: Node) -> bool:
            return _has_cfg(node, src) or any(start <= node.start_byte < end
                                              for start, end in cfg_macros)

        for node in nodes.get("use_declaration", []):
            argument = node.child_by_field_name("argument")
            if argument is None:
                continue
            kind: ImportKind = "conditional" if conditional(node) else "static"
            grouped: dict[str, list[str]] = {}
            for module, name in _use_paths(argument, "", src):
                names = grouped.setdefault(module, [])
                if name:
                    names.append(name)
            for module, names in grouped.items():
                relative = module.split("::", 1)[0] in ("crate", "super", "self")
                found.append(ImportInfo(
                    module=module, names=names, line=node.start_point[0] + 1,
                    kind="relative" if relative and kind == "static" else kind))
        for node in nodes.get("extern_crate_declaration", []):
            crate = node.child_by_field_name("name")
            found.append(ImportInfo(module=_text(crate, src), line=node.start_point[0] + 1,
                                    kind="conditional" if conditional(node) else "static"))
        for node in nodes.get("mod_item", []):
            if node.child_by_field_name("body") is None:  # `mod x;`: the file x.rs or x/mod.rs
                found.append(ImportInfo(
                    module=_text(node.child_by_field_name("name"), src),
                    line=node.start_point[0] + 1,
                    kind="conditional" if conditional(node) else "static"))
        found.sort(key=lambda i: i.line)
        return found


# -- helpers ------------------------------------------------------------------------------------


def _binding_name(closure: Node, src: bytes, binding: Node | None = None) -> str:
    """The name a closure is bound to: `let name = |x| ...;`; "" for a pattern."""
    binding = binding if binding is not None else closure.parent
    if binding is None:
        return ""
    target = binding.child_by_field_name(
        "pattern" if binding.type == "let_declaration" else "name")
    if target is None:
        return ""
    if target.type == "mut_pattern":  # `let mut f = || ...`
        target = next((c for c in target.named_children if c.type == "identifier"), None)
    return _text(target, src) if target is not None and target.type == "identifier" else ""


def _method_kind(function: Node, owner: str) -> FunctionKind:
    """`new` with no `self` in an impl is Rust's constructor by convention."""
    name = function.child_by_field_name("name")
    if owner == "impl_item" and name is not None and name.text == b"new" and \
            _receiver(function) is None:
        return "constructor"
    return "method"


def _owner(function: Node) -> Node | None:
    """The impl or trait a function item is a method of, if any."""
    parent = function.parent
    if parent is None or parent.type != "declaration_list":
        return None
    owner = parent.parent
    return owner if owner is not None and owner.type in ("impl_item", "trait_item") else None


def _receiver(function: Node) -> Node | None:
    params = function.child_by_field_name("parameters")
    if params is None:
        return None
    return next((c for c in params.named_children if c.type == "self_parameter"), None)


def _type_name(node: Node | None, src: bytes) -> str:
    """A type without its generic arguments or references: `Vec<T>` -> `Vec`, `&'a X` -> `X`."""
    while node is not None:
        if node.type in ("generic_type", "reference_type", "pointer_type"):
            node = node.child_by_field_name("type")
        else:
            return _squash(_text(node, src))
    return ""


class _Functions:
    """The functions of one walk by position, to tell which one a node is written in without
    walking up the tree (tree-sitter finds a node's parent from the root down: quadratic on
    deeply nested code)."""

    def __init__(self, scopes: list[Scope]) -> None:
        self.scopes = sorted(scopes, key=lambda s: s.node.start_byte)
        self.starts = [s.node.start_byte for s in self.scopes]

    def around(self, node: Node) -> Scope | None:
        """The innermost function a node is in (not the node itself)."""
        start, end = node.start_byte, node.end_byte
        index = bisect_right(self.starts, start) - 1
        while index >= 0:
            scope = self.scopes[index]
            if scope.node.end_byte >= end and scope.node.id != node.id:
                return scope
            index -= 1
        return None


def _bound_closures(collected: dict[str, list[Node]], src: bytes) -> list[tuple[Node, str]]:
    """Closures bound to a name: `let pick = |a, b| ...;`, `const F: fn() = || ...;`, in
    source order."""
    found: list[tuple[Node, str]] = []
    for kind in _BINDINGS:
        for binding in collected.get(kind, []):
            value = binding.child_by_field_name("value")
            if value is not None and value.type == "closure_expression":
                name = _binding_name(value, src, binding)
                if name:
                    found.append((value, name))
    found.sort(key=lambda pair: pair[0].start_byte)
    return found


def _lizard_extras(collected: dict[str, list[Node]], src: bytes,
                   skip: set[int]) -> list[tuple[int, Node, bool]]:
    """Decisions lizard counts that are not one token of tree-sitter's, each with its node and
    whether lizard saw a decision token there (`&&`, `||`) or counted a construct (an arm)."""
    extras: list[tuple[int, Node, bool]] = []
    for kind in _REFERENCES:
        for node in collected.get(kind, []):
            start = node.start_byte
            # `&&x`: lizard's tokenizer pairs the `&`s of a run from its start
            if src[start + 1:start + 2] == b"&" and src[start - 1:start] != b"&":
                end = start
                while src[end:end + 1] == b"&":
                    end += 1
                extras.append(((end - start) // 2, node, True))
    for node in collected.get("closure_parameters", []):
        if src[node.start_byte:node.end_byte] == b"||":
            extras.append((1, node, True))
    for node in collected.get("match_block", []):
        arms = sum(1 for child in node.named_children if child.type == "match_arm")
        if arms > 1:
            extras.append((arms - 1, node, False))
    for node in collected.get("let_declaration", []):
        if node.child_by_field_name("alternative") is not None:
            extras.append((1, node, False))
    for kind in ("macro_invocation", "macro_rule"):
        for node in collected.get(kind, []):
            if node.id not in skip:
                extras.extend(_token_tree_extras(node))
    return extras


def _holds_items(macro: Node, src: bytes) -> bool:
    """Whether a macro's token tree may hold items: an `fn` anywhere (lizard sees it), or any
    item keyword in a `{...}` invocation written where items are (`cfg_net! { use ...; }`)."""
    if _FN.search(src, macro.start_byte, macro.end_byte):
        return True
    parent = macro.parent
    if macro.type != "macro_invocation" or parent is None or parent.type not in _ITEM_LEVEL:
        return False
    body = _macro_body(macro)
    return body is not None and body.child_count > 0 and body.children[0].type == "{" and \
        _ITEM.search(src, body.start_byte, body.end_byte) is not None


def _macro_body(macro: Node) -> Node | None:
    if macro.type == "macro_rule":
        return macro.child_by_field_name("right")
    return next((c for c in macro.children if c.type == "token_tree"), None)


def _token_tree_extras(macro: Node) -> list[tuple[int, Node, bool]]:
    """lizard reads a macro's tokens like any others: the arms of a `match` written in them
    count, and so does an `else` that does not follow the block of an `if` (`select!`'s
    `else => ...`)."""
    body = _macro_body(macro)
    if body is None:
        return []
    text = body.text or b""
    if b"match" not in text and b"else" not in text:
        return []
    count = 0
    stack = [body]
    while stack:
        children = stack.pop().children
        pending_ifs = 0  # lizard takes the next `{...}` after an `if` for its block
        after_if_block = False
        for i, child in enumerate(children):
            kind = child.type
            if kind == "token_tree":
                stack.append(child)
                if child.children and child.children[0].type == "{" and pending_ifs:
                    pending_ifs -= 1
                    after_if_block = True
                    continue
            elif kind == "if":
                pending_ifs += 1
            elif kind == "match":
                arms = next((c for c in children[i + 1:] if c.type == "token_tree"
                             and c.children and c.children[0].type == "{"), None)
                if arms is not None:
                    count += max(0, _arrows(arms) - 1)
            elif kind == "identifier" and not after_if_block and child.text == b"else":
                count += 1
            after_if_block = False
    return [(count, macro, False)] if count else []


def _arrows(arms: Node) -> int:
    """`=>` tokens of a match's arms, as lizard's state for them sees them: not inside a
    nested `{...}` (another state), but inside `(...)` and `[...]`."""
    count = 0
    stack = [arms]
    while stack:
        for child in stack.pop().children:
            if child.type == "=>":
                count += 1
            elif child.type == "token_tree" and child.children and \
                    child.children[0].type != "{":
                stack.append(child)
    return count


def _parseable(src: bytes) -> bytes:
    return _TRY_MACRO.sub(b"tr_", src)


def _as_rust(src: bytes, start: int, end: int) -> bytes:
    """The source with a macro's tokens between start and end made Rust that tree-sitter
    parses, at the same length so every position holds (the tree is measured on the file's own
    bytes): `try!` reads `tr_!`, the markers of `$(...)sep*` repetitions are blanked, their
    contents kept, and metavariables are identifiers: `impl<T $(, $p)*> $name<T>` reads
    `impl<T   , _p  > _name<T>`."""
    if src.find(b"$", start, end) == -1 and not _TRY_MACRO.search(src, start, end):
        return src
    out = bytearray(src)
    for match in _TRY_MACRO.finditer(src, start, end):
        out[match.start():match.end()] = b"tr_"
    i = src.find(b"$(", start, end)
    while i != -1:
        depth = 0
        j = i + 1
        while j < end:
            c = out[j]
            if c == 0x28:  # (
                depth += 1
            elif c == 0x29:  # )
                depth -= 1
                if depth == 0:
                    break
            elif c == 0x22:  # a string: skip to its end
                j += 1
                while j < end and out[j] != 0x22:
                    j += 2 if out[j] == 0x5C else 1
            j += 1
        if j >= end:
            break
        out[i:i + 2] = b"  "
        out[j] = 0x20
        k = j + 1
        if k < end and out[k] in b"*+?":
            out[k] = 0x20
        elif k + 1 < end and out[k + 1] in b"*+?":
            if out[k] not in b",;":
                out[k] = 0x20
            out[k + 1] = 0x20
        i = src.find(b"$(", i + 2, end)
    for match in _METAVARIABLE.finditer(src, start, end):
        out[match.start()] = 0x5F  # _
    return bytes(out)


def _visibility(item: Node, src: bytes) -> str:
    """pub -> public, pub(crate) -> internal, pub(super) / pub(in path) -> package, none ->
    private (Rust's default: visible in the module)."""
    modifier = next((c for c in item.children if c.type == "visibility_modifier"), None)
    return "private" if modifier is None else _modifier(modifier, src)


def _fields(body: Node, src: bytes) -> list[Member]:
    fields: list[Member] = []
    if body.type == "field_declaration_list":
        for field in body.named_children:
            if field.type == "field_declaration":
                fields.append(Member(name=_text(field.child_by_field_name("name"), src),
                                     line=field.start_point[0] + 1,
                                     visibility=_visibility(field, src)))
    elif body.type == "ordered_field_declaration_list":  # tuple struct: fields 0, 1, ...
        visibility = "private"
        for child in body.children:
            if child.type == "visibility_modifier":
                visibility = _modifier(child, src)
            elif child.is_named and child.type not in ("attribute_item", "line_comment",
                                                       "block_comment"):
                fields.append(Member(name=str(len(fields)), line=child.start_point[0] + 1,
                                     visibility=visibility))
                visibility = "private"
    return fields


def _modifier(modifier: Node, src: bytes) -> str:
    text = "".join(_text(modifier, src).split())
    return {"pub": "public", "pub(crate)": "internal", "crate": "internal",
            "pub(self)": "private"}.get(text, "package")


def _use_paths(node: Node, prefix: str, src: bytes) -> list[tuple[str, str]]:
    """(module, name) for every leaf of a use tree: `a::{b, c::d}` -> (a, b), (a::c, d)."""
    kind = node.type
    if kind == "use_as_clause":
        path = node.child_by_field_name("path")
        return _use_paths(path, prefix, src) if path is not None else []
    if kind == "scoped_use_list":
        path = node.child_by_field_name("path")
        inner = _join(prefix, _squash(_text(path, src))) if path is not None else prefix
        listed = node.child_by_field_name("list")
        return _use_paths(listed, inner, src) if listed is not None else []
    if kind == "use_list":
        found: list[tuple[str, str]] = []
        for child in node.named_children:
            if not child.type.endswith("comment"):
                found.extend(_use_paths(child, prefix, src))
        return found
    if kind == "use_wildcard":
        path = next((c for c in node.named_children if not c.type.endswith("comment")), None)
        return [(_join(prefix, _squash(_text(path, src))) if path is not None else prefix, "*")]
    text = _squash(_text(node, src))
    module, _, name = text.rpartition("::")
    module = _join(prefix, module)
    if not module:  # `use serde;`: the crate itself
        return [(name, "")]
    return [(module, name)]


def _join(prefix: str, path: str) -> str:
    return f"{prefix}::{path}" if prefix and path else prefix or path


def _has_cfg(node: Node, src: bytes) -> bool:
    """Whether an item, or an item it is written in, carries a `#[cfg(...)]` attribute."""
    current: Node | None = node
    while current is not None:
        sibling = current.prev_named_sibling
        while sibling is not None and sibling.type in ("attribute_item", "line_comment",
                                                       "block_comment"):
            if sibling.type == "attribute_item":
                attribute = sibling.named_children[0] if sibling.named_children else None
                name = attribute.named_children[0] if attribute is not None and \
                    attribute.named_children else None
                if name is not None and _text(name, src) == "cfg":  # not `cfg_attr`
                    return True
            sibling = sibling.prev_named_sibling
        current = current.parent
    return False
