"""C++ on tree-sitter-cpp: the C analyzer (c.py) plus classes, namespaces, lambdas, exceptions.

lizard reads C and C++ with one reader, so every rule of c.py holds here too. What C++ adds:
- names as lizard shows them: the enclosing namespaces and classes, then the name as written,
  `ns::Foo::bar`, `Foo<T>::bar`, `Foo::~Foo`, `Foo::operator ==`, `T::operator bool`;
- `catch` is a decision; a lambda is a function of its own only when it is bound to a name
  outside any function (`auto cmp = [](...) {...};`), otherwise part of the enclosing function;
- classes, structs and unions with their bases (access as written), methods (visibility from the
  access specifiers, `static`, constructors) and fields.
"""

from __future__ import annotations

import re
from typing import ClassVar

import tree_sitter_cpp
from tree_sitter import Node

from mesh.models import ClassKind, FunctionKind, Member
from worker.analyzers.c import (
    CAnalyzer,
    _declarator_name,
    _function_declarator,
    _innermost_name,
    _name_text,
)
from worker.analyzers.c_repair import Rewrite, repair
from worker.analyzers.engine import Container, Scope, _text

# A macro standing for an access specifier: `JSON_PRIVATE_UNLESS_TESTED:` in a class body.
_ACCESS_MACRO = re.compile(rb"\n[ \t]*([A-Z][A-Z0-9_]{6,}):[ \t]*(?://[^\n]*)?(?=\n)")


class CppAnalyzer(CAnalyzer):
    language = "cpp"
    grammar = tree_sitter_cpp.language()
    version = "2"  # 2: the MI counts the `#if`s a repair blanked, as the functions do

    functions: ClassVar[dict[str, FunctionKind]] = {**CAnalyzer.functions,
                                                    "lambda_expression": "lambda"}
    definitions = frozenset({"function_definition", "lambda_expression"})
    containers = frozenset({"namespace_definition", "class_specifier", "struct_specifier",
                            "union_specifier"})
    operands = CAnalyzer.operands | {"namespace_identifier", "this", "nullptr", "auto"}
    decisions = CAnalyzer.decisions | {"catch"}
    cognitive_structures = CAnalyzer.cognitive_structures | {"for_range_loop", "catch_clause"}
    cognitive_nesting_only = frozenset({"lambda_expression"})
    logical_operators = frozenset({"&&", "||", "and", "or"})

    class_kinds: ClassVar[dict[str, ClassKind]] = {"class_specifier": "class",
                                                   **CAnalyzer.class_kinds}
    collect = CAnalyzer.collect | {"class_specifier"}

    def repair(self, data: bytes) -> Rewrite:
        rewrite = repair(data)
        for match in _ACCESS_MACRO.finditer(b"\n" + data + b"\n"):
            start, end = match.start(1) - 1, match.end(1) - 1
            rewrite[start:end] = b"private" + b" " * (end - start - 7)
        return rewrite

    # -- functions ------------------------------------------------------------------------------

    def is_function(self, node: Node) -> bool:
        if node.type != "lambda_expression":
            return super().is_function(node)
        # a lambda bound to a name outside any function: `auto by_size = [](...) {...};`
        parent = node.parent
        if parent is None or parent.type != "init_declarator":
            return False
        return super().is_function(node)

    def function_name(self, node: Node, src: bytes) -> str:
        if node.type == "lambda_expression":
            parent = node.parent
            target = parent.child_by_field_name("declarator") if parent is not None else None
            return _text(target, src) if target is not None else "(lambda)"
        return super().function_name(node, src)

    def start_line(self, node: Node) -> int:
        if node.type == "lambda_expression":
            return node.start_point[0] + 1
        return super().start_line(node)

    def container_name(self, node: Node, src: bytes) -> str:
        name = node.child_by_field_name("name")
        if name is None:
            return ""
        if name.type == "template_type":  # `template <> struct formatter<T> {`
            name = name.child_by_field_name("name") or name
        return "".join(_text(name, src).split())

    def function_kind(self, node: Node, default: FunctionKind, outer: Scope | None,
                      container: Container | None, src: bytes) -> FunctionKind:
        if default != "function" or node.type == "compound_statement":
            return default
        name = _declarator_name(node)
        if name is None:
            return "function"
        scope_name = ""
        if name.type == "qualified_identifier":  # defined outside its class: `Foo::bar`
            scope = name.child_by_field_name("scope")
            while name is not None and name.type == "qualified_identifier":
                scope = name.child_by_field_name("scope")
                name = name.child_by_field_name("name")
            if scope is None or name is None:
                return "function"
            scope_name = scope.text.decode("utf-8", "replace") if scope.text else ""
            if scope.type == "template_type":
                inner = scope.child_by_field_name("name")
                scope_name = inner.text.decode("utf-8", "replace") if inner is not None and \
                    inner.text else scope_name
        elif container is not None and _in_class(node):
            scope_name = container.name
        else:
            return "function"
        if name.type in ("identifier", "field_identifier", "type_identifier") and \
                name.text is not None and name.text.decode("utf-8", "replace") == scope_name:
            return "constructor"
        return "method"

    def function_names(self, node: Node, name: str, outer: Scope | None,
                       container: Container | None, src: bytes) -> tuple[str, str]:
        """Names qualified as lizard shows them: every enclosing namespace and class, `::`."""
        chain = [holder.name for holder in container.chain() if holder.name] \
            if container is not None else []
        shown = "::".join([*chain, name])
        return shown, shown

    # -- classes --------------------------------------------------------------------------------

    def class_name(self, node: Node, src: bytes) -> str:
        name = node.child_by_field_name("name")
        if name is None:
            return super().class_name(node, src)
        parts = ["".join(_text(name, src).split())]
        parent = node.parent
        while parent is not None:  # nested classes: `Outer::Inner`
            if parent.type in self.class_kinds:
                outer = parent.child_by_field_name("name")
                if outer is not None:
                    parts.append("".join(_text(outer, src).split()))
            parent = parent.parent
        return "::".join(reversed(parts))

    def class_bases(self, node: Node, src: bytes) -> list[str]:
        """Base classes as written, with their access: `public Base<T>`, `virtual Io`."""
        clause = next((c for c in node.children if c.type == "base_class_clause"), None)
        if clause is None:
            return []
        bases: list[str] = []
        words: list[str] = []
        for child in clause.children:
            if child.type in (":", "comment"):
                continue
            if child.type == ",":
                if words:
                    bases.append(" ".join(words))
                words = []
            else:
                words.append("".join(_text(child, src).split()))
        if words:
            bases.append(" ".join(words))
        return bases

    def default_visibility(self, kind: ClassKind) -> str:
        return "private" if kind == "class" else "public"

    def _member(self, member: Node, src: bytes, visibility: str, methods: list[Member],
                fields: list[Member]) -> None:
        """Methods (defined or declared, templates too), constructors, fields; not friends,
        nested types, `using` or `static_assert`."""
        while member.type == "template_declaration":
            inner = next((c for c in reversed(member.named_children)
                          if c.type not in ("template_parameter_list", "comment",
                                            "requires_clause")), None)
            if inner is None:
                return
            member = inner
        kind = member.type
        if kind not in ("field_declaration", "declaration", "function_definition"):
            return
        static = any(c.type == "storage_class_specifier" and _text(c, src) == "static"
                     for c in member.children)
        line = member.start_point[0] + 1
        if kind == "function_definition":
            declarators = [member]
        else:
            declarators = member.children_by_field_name("declarator")
        class_name = self._enclosing_class_name(member, src)
        for declarator in declarators:
            function = _function_declarator(declarator) if declarator is member else \
                _function_of(declarator)
            if function is not None:
                name_node = function.child_by_field_name("declarator") \
                    if function.type == "function_declarator" else function
                name = _name_text(name_node, src) if name_node is not None else ""
                methods.append(Member(name=name, line=line, visibility=visibility,
                                      static=static, constructor=name == class_name))
                continue
            name_node = _innermost_name(declarator)
            if name_node is not None:
                fields.append(Member(name=_text(name_node, src), line=line,
                                     visibility=visibility, static=static))

    @staticmethod
    def _enclosing_class_name(member: Node, src: bytes) -> str:
        parent = member.parent
        while parent is not None and parent.type not in ("class_specifier", "struct_specifier",
                                                         "union_specifier"):
            parent = parent.parent
        name = parent.child_by_field_name("name") if parent is not None else None
        if name is not None and name.type == "template_type":
            name = name.child_by_field_name("name")
        return _text(name, src) if name is not None else ""


def _function_of(declarator: Node) -> Node | None:
    """The function_declarator a member declarator declares, through pointers and references
    to the result (`int *f();`), not through parentheses (`int (*callback)();` is a field)."""
    while declarator is not None:
        if declarator.type == "function_declarator":
            inner = declarator.child_by_field_name("declarator")
            return declarator if inner is not None and \
                inner.type != "parenthesized_declarator" else None
        if declarator.type not in ("pointer_declarator", "reference_declarator",
                                   "attributed_declarator", "init_declarator"):
            return None
        nested = declarator.child_by_field_name("declarator")
        if nested is None and declarator.named_children:
            nested = declarator.named_children[-1]
        declarator = nested  # type: ignore[assignment]
    return None


def _in_class(node: Node) -> bool:
    """Whether a definition is a member of a class: in its body, maybe a template; a friend
    defined there is a function."""
    parent = node.parent
    while parent is not None and parent.type == "template_declaration":
        parent = parent.parent
    return parent is not None and parent.type == "field_declaration_list"

