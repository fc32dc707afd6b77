"""TypeScript (with TSX) on tree-sitter-typescript: the JavaScript analyzer plus types.

It must never do I/O or import ZeroMQ; it only turns a file's bytes into a `FileAnalysis`.

tree-sitter-typescript has two grammars: `.tsx` files need the TSX one (JSX elements), every other
file the TypeScript one, because `<T>value` casts do not parse as TSX. lizard's TypeScript reader
counts what its JavaScript reader counts (javascript.py); it also reports overload signatures as
functions (ccn 1), which we do too, and skips interfaces, type aliases, abstract methods and
`declare`d functions, whose `?` still count for the enclosing function.
docs/languages/typescript.md lists what TypeScript adds and every difference that remains.
"""

from __future__ import annotations

from typing import ClassVar

import tree_sitter_typescript
from tree_sitter import Language as Grammar
from tree_sitter import Node, Parser, Tree

from mesh.models import (
    ClassInfo,
    ClassKind,
    FunctionKind,
    ImportInfo,
    Language,
    Member,
)
from worker.analyzers.engine import _text
from worker.analyzers.javascript import (
    CLASS_NODES,
    JavaScriptAnalyzer,
    _modifiers,
    _static_kind,
    _string_value,
)

TS_CLASS_KINDS: dict[str, ClassKind] = {"interface_declaration": "interface",
                                        "enum_declaration": "enum", "internal_module": "module",
                                        "module": "module"}
TS_CLASS_NODES = CLASS_NODES | {"interface_declaration", "enum_declaration", "internal_module",
                                 "module"}


class TypeScriptAnalyzer(JavaScriptAnalyzer):
    language: ClassVar[Language] = "typescript"
    grammar = tree_sitter_typescript.language_typescript()
    version = "2"  # 2: a token's Halstead role by grammar symbol, not by the first of its name

    functions: ClassVar[dict[str, FunctionKind]] = {
        **JavaScriptAnalyzer.functions,
        "function_signature": "function",  # an overload: lizard reports it as a function
        "method_signature": "method",
    }
    containers = JavaScriptAnalyzer.containers | {"abstract_class_declaration",
                                                  "interface_declaration", "internal_module",
                                                  "module"}
    atoms = JavaScriptAnalyzer.atoms | {"template_literal_type"}
    operands = JavaScriptAnalyzer.operands | {"type_identifier", "predefined_type"}
    collect = JavaScriptAnalyzer.collect | {"required_parameter", "optional_parameter",
                                            *TS_CLASS_NODES}
    class_nodes = TS_CLASS_NODES

    def __init__(self) -> None:
        super().__init__()
        self._tsx_parser: Parser | None = None

    def dialect(self, name: str) -> str:
        return "tsx" if name.lower().endswith(".tsx") else ""

    def parse(self, data: bytes, name: str) -> tuple[Tree, bytes]:
        """A `.tsx` file takes the TSX grammar (JSX in TypeScript), any other the plain one:
        `<T>x` is a type assertion in one and an element in the other."""
        if self.dialect(name) and type(self) is TypeScriptAnalyzer:
            if self._tsx_parser is None:
                self._tsx_parser = Parser(Grammar(tree_sitter_typescript.language_tsx()))
            return self._tsx_parser.parse(data), data
        return super().parse(data, name)

    def is_function(self, node: Node) -> bool:
        """An overload signature is a function to lizard in a class (not in an interface, and
        not when `declare`d)."""
        if node.type == "method_signature":
            parent = node.parent
            return parent is not None and parent.type == "class_body"
        if node.type == "function_signature":  # not `declare`d, nor in a `declare module`
            parent = node.parent
            while parent is not None:
                if parent.type == "ambient_declaration":
                    return False
                parent = parent.parent
        return True

    def _defaults(self, collected: dict[str, list[Node]]) -> list[Node]:
        """JavaScript's, plus a parameter's default: `(b: string = "x")`."""
        found = super()._defaults(collected)
        for kind in ("required_parameter", "optional_parameter"):
            found.extend(node for node in collected.get(kind, ())
                         if node.child_by_field_name("value") is not None)
        return found

    # -- classes --------------------------------------------------------------------------------

    def _class_kind(self, node: Node) -> ClassKind:
        return TS_CLASS_KINDS.get(node.type, "class")

    def _class(self, node: Node, src: bytes) -> ClassInfo:
        if node.type in ("internal_module", "module"):
            return self._namespace(node, src)
        info = super()._class(node, src)
        if node.type == "enum_declaration":
            body = node.child_by_field_name("body")
            fields = []
            for member in body.named_children if body is not None else []:
                target = member.child_by_field_name("name") \
                    if member.type == "enum_assignment" else member
                if target is not None and target.type != "comment":
                    fields.append(Member(name=_text(target, src),
                                         line=member.start_point[0] + 1, static=True))
            info.fields = fields
        return info

    def _namespace(self, node: Node, src: bytes) -> ClassInfo:
        """`namespace ts { ... }`, `declare module "x" { ... }`: its functions are static
        methods, its variables static fields (public when exported)."""
        methods: list[Member] = []
        fields: list[Member] = []
        listed: set[str] = set()
        body = node.child_by_field_name("body")
        for statement in body.named_children if body is not None else []:
            exported = statement.type == "export_statement"
            declaration = statement.child_by_field_name("declaration") if exported else statement
            if declaration is None:
                continue
            visibility = "public" if exported else ""
            line = declaration.start_point[0] + 1
            if declaration.type in ("function_declaration", "generator_function_declaration",
                                    "function_signature"):
                function = _text(declaration.child_by_field_name("name"), src)
                if function not in listed:  # overloads once
                    listed.add(function)
                    methods.append(Member(name=function, line=line, visibility=visibility,
                                          static=True))
            elif declaration.type in ("lexical_declaration", "variable_declaration"):
                for declarator in declaration.named_children:
                    target = declarator.child_by_field_name("name")
                    if declarator.type == "variable_declarator" and target is not None:
                        fields.append(Member(name=_text(target, src), line=line,
                                             visibility=visibility, static=True))
        name = node.child_by_field_name("name")
        return ClassInfo(name=_text(name, src).strip("'\"") if name is not None else "",
                         kind="module", start_line=node.start_point[0] + 1,
                         end_line=node.end_point[0] + 1, methods=methods, fields=fields)

    def _bases(self, node: Node, src: bytes) -> list[str]:
        if node.type == "interface_declaration":
            return [_text(base, src) for child in node.named_children
                    if child.type == "extends_type_clause"
                    for base in child.named_children if base.type != "comment"]
        return super()._bases(node, src)

    def _member(self, member: Node, src: bytes, methods: list[Member],
                fields: list[Member]) -> None:
        if member.type == "property_signature":  # an interface's field
            name = member.child_by_field_name("name")
            if name is not None:
                modifiers = _modifiers(member, src)
                fields.append(Member(name=_text(name, src), line=member.start_point[0] + 1,
                                     visibility=modifiers.get("visibility", ""),
                                     static="static" in modifiers))
            return
        super()._member(member, src, methods, fields)

    def _members(self, members: list[Node], src: bytes) -> list[Node]:
        """A method with overloads once: its implementation, or its first signature when it
        has none (an abstract or ambient class). An interface's signatures are all methods."""
        implemented = {_text(m.child_by_field_name("name"), src) for m in members
                       if m.type == "method_definition"}
        listed: set[str] = set()
        kept: list[Node] = []
        for member in members:
            if member.type == "method_signature" and member.parent is not None and \
                    member.parent.type == "class_body":
                name = _text(member.child_by_field_name("name"), src)
                if name in implemented or name in listed:
                    continue
                listed.add(name)
            kept.append(member)
        return kept

    def _parameter_properties(self, constructor: Node, src: bytes) -> list[Member]:
        """`constructor(private readonly store: Store)` declares a field."""
        found: list[Member] = []
        params = constructor.child_by_field_name("parameters")
        for param in params.named_children if params is not None else []:
            modifiers = _modifiers(param, src)
            pattern = param.child_by_field_name("pattern")
            if pattern is not None and ("visibility" in modifiers or "readonly" in modifiers):
                found.append(Member(name=_text(pattern, src), line=param.start_point[0] + 1,
                                    visibility=modifiers.get("visibility", "public")))
        return found

    # -- imports --------------------------------------------------------------------------------

    def _import(self, node: Node, src: bytes) -> ImportInfo | None:
        for child in node.named_children:
            if child.type == "import_require_clause":  # import x = require('y')
                source = child.child_by_field_name("source")
                if source is None:
                    return None
                module = _string_value(source, src)
                return ImportInfo(module=module, kind=_static_kind(module, False),
                                  line=node.start_point[0] + 1)
        return super()._import(node, src)


class TsxAnalyzer(TypeScriptAnalyzer):
    """TypeScript with JSX whatever the file's name (TypeScriptAnalyzer itself takes the TSX
    grammar for `.tsx` files, in its `parse` hook)."""

    grammar = tree_sitter_typescript.language_tsx()

    def dialect(self, name: str) -> str:
        return "tsx"
