"""Java on tree-sitter-java: node types as data, plus the hooks Java needs.

lizard's Java reader is the reference for ccn: it counts the tokens `if for while catch case
&& || ?` inside a method body; lambdas are not functions of their own (their decisions count
towards the enclosing method); static and instance initializers are not functions; methods of
anonymous classes and of enum constant bodies are functions of their own. lizard names a method
`Class::method`; so does this analyzer, always after the innermost enclosing type (lizard's
reader sometimes keeps the name of a nested class declared earlier). docs/languages/java.md
lists every difference from lizard, with the measured agreement.

It must never do I/O: it measures the bytes it is given.
"""

from __future__ import annotations

from typing import ClassVar

import tree_sitter_java
from tree_sitter import Node

from mesh.models import ClassInfo, ClassKind, FileAnalysis, FunctionKind, ImportInfo, Member
from worker.analyzers.engine import Container, Scope, TreeSitterAnalyzer, _squash, _text

# Declarations that name a type, and the kind each is reported as.
_TYPES: dict[str, ClassKind] = {
    "class_declaration": "class",
    "record_declaration": "class",
    "interface_declaration": "interface",
    "annotation_type_declaration": "interface",
    "enum_declaration": "enum",
}
_CALLABLES = frozenset({"method_declaration", "constructor_declaration",
                        "compact_constructor_declaration"})
_FIELDS = frozenset({"field_declaration", "constant_declaration"})
_PARAMETERS = frozenset({"formal_parameter", "spread_parameter", "receiver_parameter",
                         "identifier"})
_VISIBILITY = ("public", "protected", "private")


class JavaAnalyzer(TreeSitterAnalyzer):
    language = "java"
    grammar = tree_sitter_java.language()
    version = "1"

    functions: ClassVar[dict[str, FunctionKind]] = {
        "method_declaration": "method",
        "constructor_declaration": "constructor",
        "compact_constructor_declaration": "constructor",
        "lambda_expression": "lambda",
    }
    comments = frozenset({"line_comment", "block_comment"})
    # A wildcard (`? extends T`) is one token: its `?` is no decision. (lizard counts it where its
    # tokenizer does not swallow the whole `<...>`, e.g. `<? extends List<T>>`: a quirk.)
    atoms = frozenset({"string_literal", "wildcard"})
    operands = frozenset({"identifier", "type_identifier", "boolean", "byte", "char", "short",
                          "int", "long", "float", "double"})
    not_operators = frozenset({"(", ")", "[", "]", "{", "}", ",", ";", ".", "@", "...",
                               "class", "interface", "enum", "record", "@interface", "package",
                               "import"})
    decisions = frozenset({"if", "for", "while", "catch", "case", "&&", "||", "?"})
    cognitive_structures = frozenset({"if_statement", "ternary_expression", "switch_expression",
                                      "for_statement", "enhanced_for_statement",
                                      "while_statement", "do_statement", "catch_clause"})
    # `else`: the alternative of an if that is not itself an if; `break`/`continue` to a label
    cognitive_flat = frozenset({"block", "expression_statement", "return_statement",
                                "throw_statement", "break_statement", "continue_statement",
                                "yield_statement", "try_statement", "synchronized_statement",
                                "labeled_statement", "assert_statement",
                                "try_with_resources_statement"})
    cognitive_nesting_only = frozenset({"lambda_expression"})
    logical_operators = frozenset({"&&", "||"})
    logical_expressions = frozenset({"binary_expression"})

    # Containers qualify the names of the functions inside them. Their names say what they are:
    # a type's or anonymous class's name owns its methods (`Bag::add`); an enum constant's
    # (".LOW") only qualifies them (`Level.LOW.weight`, named `Level::weight`); a field's ("")
    # does neither: a field is a container only so that its lambdas are seen (`container_name`).
    containers = frozenset({*_TYPES, "enum_constant", "object_creation_expression", *_FIELDS})

    collect = frozenset({*_TYPES, "import_declaration", "method_invocation"})

    def __init__(self) -> None:
        super().__init__()
        # Facts about nodes the walk has yet to reach, learnt from an ancestor it has reached, by
        # node id (per file). Looking up from the node instead (`Node.parent`, `prev_sibling`)
        # costs tree-sitter a descent from the root: walking up from every function of deeply
        # nested code is cubic in its depth.
        self._field_lambdas: dict[int, str] = {}  # lambda initializing a field -> field name
        self._else_ifs: set[int] = set()  # an if that is the `else` of an if
        self._elses: set[int] = set()  # any other statement that is the `else` of an if

    def start_file(self) -> None:
        self._field_lambdas.clear()
        self._else_ifs.clear()
        self._elses.clear()

    def analyze(self, data: bytes, name: str = "") -> FileAnalysis:
        result = super().analyze(data, name)
        if result.ast.node_types == {"program": 1}:
            # nothing but whitespace: the engine measures the childless root as a token
            result = result.model_copy(update={"nloc": 0, "sloc": 0})
        return result

    # -- functions ------------------------------------------------------------------------------

    def is_function(self, node: Node) -> bool:
        if node.type == "lambda_expression":  # only one initializing a field
            return node.id in self._field_lambdas
        return node.child_by_field_name("body") is not None  # not `abstract void run();`

    def container_name(self, node: Node, src: bytes) -> str:
        kind = node.type
        if kind in _FIELDS:
            for declarator in node.children_by_field_name("declarator"):
                value = declarator.child_by_field_name("value")
                if value is not None and value.type == "lambda_expression":
                    self._field_lambdas[value.id] = _text(
                        declarator.child_by_field_name("name"), src)
            return ""
        if kind == "object_creation_expression":
            return "(anonymous)" if any(child.type == "class_body" for child in node.children) \
                else ""
        name = _text(node.child_by_field_name("name"), src)
        return f".{name}" if kind == "enum_constant" else name

    def function_params(self, node: Node, src: bytes) -> tuple[int, str]:
        params = node.child_by_field_name("parameters")
        if params is None:
            return 0, "()"
        if params.type == "identifier":  # `x -> x + 1`
            return 1, f"( {_text(params, src)} )"
        count = sum(1 for child in params.named_children if child.type in _PARAMETERS)
        return count, _squash(_text(params, src))

    def start_line(self, node: Node) -> int:
        """lizard starts a method at its name, after any annotations and modifiers."""
        name = node.child_by_field_name("name")
        return (name if name is not None else node).start_point[0] + 1

    def function_name(self, node: Node, src: bytes) -> str:
        if node.type == "lambda_expression":
            return self._field_lambdas.get(node.id, "(lambda)")
        return _text(node.child_by_field_name("name"), src)

    def function_names(self, node: Node, name: str, outer: Scope | None,
                       container: Container | None, src: bytes) -> tuple[str, str]:
        """Names from the whole chain of containers: `Type::method` after the innermost type
        (lizard's form), dotted through every type, method, enum constant and anonymous class
        for the qualified name."""
        owner = ""
        parts: list[str] = []
        for holder in reversed(container.chain()) if container is not None else []:
            if holder.name:
                if not owner and not holder.name.startswith("."):
                    owner = holder.name
                if outer is None or holder.depth > outer.depth:
                    parts.append(holder.name.lstrip("."))
        if outer is not None:
            parts.append(outer.qualified_name)
        parts.reverse()
        parts.append(name)
        return (f"{owner}::{name}" if owner else name), ".".join(parts)

    # NLOC from the name's line, as lizard counts it: annotation lines above are not the method's
    nloc_from_start_line = True

    # -- cognitive complexity -------------------------------------------------------------------

    def continues_chain(self, node: Node) -> bool:
        """`else if`: the if is the alternative of an if (seen when that if was)."""
        alternative = node.child_by_field_name("alternative")
        if alternative is not None:
            (self._else_ifs if alternative.type == "if_statement" else self._elses).add(
                alternative.id)
        return node.id in self._else_ifs

    def flat_increment(self, node: Node) -> bool:
        """+1 for `else` (a statement that is an if's alternative) and for `break`/`continue`
        to a label."""
        if node.id in self._elses:
            return True
        if node.type in ("break_statement", "continue_statement"):
            return any(child.type == "identifier" for child in node.children)
        return False

    # -- classes and imports --------------------------------------------------------------------

    def classes(self, nodes: dict[str, list[Node]], src: bytes) -> list[ClassInfo]:
        found = [self._class(node, src) for kind in _TYPES for node in nodes.get(kind, [])]
        found.sort(key=lambda c: c.start_line)
        return found

    def _class(self, node: Node, src: bytes) -> ClassInfo:
        bases: list[str] = []
        for child in node.named_children:
            if child.type == "superclass":
                bases.extend(_text(t, src) for t in child.named_children if _is_type(t))
            elif child.type in ("super_interfaces", "extends_interfaces"):
                for holder in child.named_children:
                    if holder.type == "type_list":
                        bases.extend(_text(t, src) for t in holder.named_children if _is_type(t))
        # members of an interface or annotation are public (and its fields static) unless
        # declared otherwise; an enum's constructors are private
        in_interface = node.type in ("interface_declaration", "annotation_type_declaration")
        methods: list[Member] = []
        fields: list[Member] = [
            Member(name=name, line=line, visibility="private")
            for name, line in _record_components(node, src)]
        for member in _members(node):
            kind = member.type
            visibility, static = _modifiers(member)
            if not visibility:
                visibility = "public" if in_interface else "private" if \
                    kind == "constructor_declaration" and node.type == "enum_declaration" \
                    else "package"
            if kind in _CALLABLES or kind == "annotation_type_element_declaration":
                name = member.child_by_field_name("name")
                methods.append(Member(  # at its name, where its function starts
                    name=_text(name, src), line=(name or member).start_point[0] + 1,
                    visibility=visibility, static=static,
                    constructor=kind in _CALLABLES and kind != "method_declaration"))
            elif kind in _FIELDS:
                fields.extend(
                    Member(name=_text(declarator.child_by_field_name("name"), src),
                           line=declarator.start_point[0] + 1, visibility=visibility,
                           static=static or in_interface)
                    for declarator in member.children_by_field_name("declarator"))
            elif kind == "enum_constant":  # a public static final field of its enum
                fields.append(Member(name=_text(member.child_by_field_name("name"), src),
                                     line=member.start_point[0] + 1, visibility="public",
                                     static=True))
        return ClassInfo(name=_text(node.child_by_field_name("name"), src),
                         kind=_TYPES[node.type], start_line=node.start_point[0] + 1,
                         end_line=node.end_point[0] + 1, bases=bases, methods=methods,
                         fields=fields)

    def imports(self, nodes: dict[str, list[Node]], src: bytes) -> list[ImportInfo]:
        found: list[ImportInfo] = []
        for node in nodes.get("import_declaration", []):
            found.append(_import(node, src))
        for node in nodes.get("method_invocation", []):
            dynamic = _dynamic_import(node, src)
            if dynamic is not None:
                found.append(dynamic)
        found.sort(key=lambda i: i.line)
        return found


def _is_type(node: Node) -> bool:
    return node.type not in ("line_comment", "block_comment")


def _members(node: Node) -> list[Node]:
    body = node.child_by_field_name("body")
    if body is None:
        return []
    members: list[Node] = []
    for child in body.named_children:
        if child.type == "enum_body_declarations":
            members.extend(child.named_children)
        else:
            members.append(child)
    return members


def _record_components(node: Node, src: bytes) -> list[tuple[str, int]]:
    """A record's components, its private final fields: `record Point(int x, int y)`."""
    params = node.child_by_field_name("parameters") if node.type == "record_declaration" \
        else None
    found: list[tuple[str, int]] = []
    for param in params.named_children if params is not None else []:
        if param.type == "formal_parameter":
            name = param.child_by_field_name("name")
        elif param.type == "spread_parameter":  # `String... names`: the name is in a declarator
            declarator = next((c for c in param.named_children
                               if c.type == "variable_declarator"), None)
            name = declarator.child_by_field_name("name") if declarator is not None else None
        else:
            continue
        found.append((_text(name, src), param.start_point[0] + 1))
    return found


def _modifiers(node: Node) -> tuple[str, bool]:
    """(visibility as written or "", static) of a member."""
    for child in node.children:
        if child.type == "modifiers":
            words = {c.type for c in child.children}
            visibility = next((v for v in _VISIBILITY if v in words), "")
            return visibility, "static" in words
    return "", False


def _import(node: Node, src: bytes) -> ImportInfo:
    """`import a.b.C;` -> module a.b.C; `import a.b.*;` -> module a.b, names [*];
    `import static a.b.C.m;` -> module a.b.C, names [m]; `import static a.b.C.*;` -> names [*]."""
    static = any(child.type == "static" for child in node.children)
    target = next((c for c in node.named_children
                   if c.type in ("scoped_identifier", "identifier")), None)
    parts = _dotted(target, src)
    if any(child.type == "asterisk" for child in node.named_children):
        names = ["*"]
    elif static and len(parts) > 1:
        names = [parts.pop()]
    else:
        names = []
    return ImportInfo(module=".".join(parts), names=names, kind="static",
                      line=node.start_point[0] + 1)


def _dotted(node: Node | None, src: bytes) -> list[str]:
    """The identifiers of a (scoped) name, without the spaces or comments written between."""
    parts: list[str] = []
    while node is not None and node.type == "scoped_identifier":
        parts.append(_text(node.child_by_field_name("name"), src))
        node = node.child_by_field_name("scope")
    if node is not None:
        parts.append(_text(node, src))
    return parts[::-1]


def _dynamic_import(node: Node, src: bytes) -> ImportInfo | None:
    """`Class.forName("a.b.C")` or `loader.loadClass("a.b.C")` with a literal class name."""
    name = node.child_by_field_name("name")
    if name is None or name.text not in (b"forName", b"loadClass"):
        return None
    if name.text == b"forName":
        owner = node.child_by_field_name("object")
        if owner is None or owner.text not in (b"Class", b"java.lang.Class"):
            return None
    arguments = node.child_by_field_name("arguments")
    first = arguments.named_children[0] if arguments is not None and \
        arguments.named_children else None
    if first is None or first.type != "string_literal":
        return None
    return ImportInfo(module=_text(first, src)[1:-1], kind="dynamic",
                      line=node.start_point[0] + 1)
