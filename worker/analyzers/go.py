"""Go on tree-sitter-go: node types as data, plus the hooks Go needs.

lizard's Go reader is the reference for ccn: it counts the tokens `if for case && ||` (its
generic `while catch ?` never occur in Go code); `default`, `else`, `select`, `switch`, `goto`
are not decisions. Every function literal with a body is a function of its own, as in lizard:
named after the variable in `var name = func...`, else `anonymous__N`, numbered per file in
source order. Methods carry lizard's bare name (`Add`); their qualified name is the receiver's
type (`Store.Add`). Nothing here does I/O.
"""

from __future__ import annotations

from typing import ClassVar

import tree_sitter_go
from tree_sitter import Node

from mesh.models import (
    ClassInfo,
    ClassKind,
    FileAnalysis,
    FunctionKind,
    Halstead,
    ImportInfo,
    ImportKind,
    Member,
)
from worker.analyzers.engine import Container, Scope, TreeSitterAnalyzer, _squash, _text

# Types whose name says nothing about the package: `func New() int` is no constructor.
_PREDECLARED = frozenset({
    "any", "bool", "byte", "comparable", "complex64", "complex128", "error", "float32",
    "float64", "int", "int8", "int16", "int32", "int64", "rune", "string", "uint", "uint8",
    "uint16", "uint32", "uint64", "uintptr",
})


class GoAnalyzer(TreeSitterAnalyzer):
    language = "go"
    grammar = tree_sitter_go.language()
    version = "1"

    # Every function literal is a function of its own, as in lizard, with its own cognitive
    # complexity: none adds its structures to the enclosing function's.
    functions: ClassVar[dict[str, FunctionKind]] = {
        "function_declaration": "function",
        "method_declaration": "method",
        "func_literal": "closure",
    }
    # Go qualifies methods by their receiver, not by an enclosing node: see `_open`.
    containers = frozenset()
    comments = frozenset({"comment"})
    atoms = frozenset({"interpreted_string_literal", "raw_string_literal"})
    not_operators = frozenset({"(", ")", "[", "]", "{", "}", ",", ";", ".", ":", "func",
                               "type"})
    decisions = frozenset({"if", "for", "case", "&&", "||"})
    cognitive_structures = frozenset({"if_statement", "for_statement",
                                      "expression_switch_statement", "type_switch_statement",
                                      "select_statement"})
    # `else` is a token, so the increment sits on the `else` block; labelled jumps and `goto`
    # are Sonar's "jumps to labels".
    cognitive_flat = frozenset({"block", "goto_statement", "break_statement",
                                "continue_statement"})
    logical_operators = frozenset({"&&", "||"})
    logical_expressions = frozenset({"binary_expression"})

    collect = frozenset({"type_spec", "method_declaration", "function_declaration",
                         "const_declaration", "import_spec"})

    def __init__(self) -> None:
        super().__init__()
        self._anonymous = 0  # the per-file count of anonymous function literals

    def start_file(self) -> None:
        self._anonymous = 0

    def analyze(self, data: bytes, name: str = "") -> FileAnalysis:
        result = super().analyze(data, name)
        if result.ast.node_types == {"source_file": 1}:
            # An empty (or blank) file: the engine measures the childless root as one token.
            return result.model_copy(update={"nloc": 0, "sloc": 0, "halstead": Halstead()})
        return result

    # -- functions ------------------------------------------------------------------------------

    def is_function(self, node: Node) -> bool:
        """A declaration without a body (implemented in assembly) is no function to measure."""
        return node.type == "func_literal" or node.child_by_field_name("body") is not None

    def function_name(self, node: Node, src: bytes) -> str:
        if node.type != "func_literal":
            return super().function_name(node, src)
        name = _declared_variable(node, src)
        if name:
            return name
        self._anonymous += 1
        return f"anonymous__{self._anonymous - 1}"

    def function_params(self, node: Node, src: bytes) -> tuple[int, str]:
        params = node.child_by_field_name("parameters")
        if params is None:
            return 0, "()"
        return _count_params(params), _squash(_text(params, src))

    def function_names(self, node: Node, name: str, outer: Scope | None,
                       container: Container | None, src: bytes) -> tuple[str, str]:
        """A method is qualified by its receiver's type: `Store.Add`."""
        if node.type == "method_declaration":
            owner = _receiver_type(node.child_by_field_name("receiver"), src)
            if owner:
                return name, f"{owner}.{name}"
        return super().function_names(node, name, outer, container, src)

    def long_name(self, node: Node, shown: str, written: str, src: bytes) -> str:
        """A method's long name starts with its receiver, as lizard shows it."""
        receiver = node.child_by_field_name("receiver") \
            if node.type == "method_declaration" else None
        if receiver is not None:
            return f"{_squash(_text(receiver, src))} {shown}{written}"
        return super().long_name(node, shown, written, src)

    def function_kind(self, node: Node, default: FunctionKind, outer: Scope | None,
                      container: Container | None, src: bytes) -> FunctionKind:
        """A `New...` function constructing a type of the package is its constructor."""
        if node.type == "function_declaration" and _constructed_type(node, src):
            return "constructor"
        return super().function_kind(node, default, outer, container, src)

    def continues_chain(self, node: Node) -> bool:
        """`else if`: the `if` after an `else` token."""
        previous = node.prev_sibling
        return previous is not None and previous.type == "else"

    def flat_increment(self, node: Node) -> bool:
        kind = node.type
        if kind == "block":  # the block after `else`
            previous = node.prev_sibling
            return previous is not None and previous.type == "else"
        if kind == "goto_statement":
            return True
        return any(child.type == "label_name" for child in node.named_children)  # `break L`

    # -- classes and imports --------------------------------------------------------------------

    def classes(self, nodes: dict[str, list[Node]], src: bytes) -> list[ClassInfo]:
        methods: dict[str, list[tuple[Node, Member]]] = {}
        for node in nodes.get("method_declaration", []):
            owner = _receiver_type(node.child_by_field_name("receiver"), src)
            name = _text(node.child_by_field_name("name"), src)
            if owner and name:
                methods.setdefault(owner, []).append((node, Member(
                    name=name, line=node.start_point[0] + 1, visibility=_visibility(name))))
        for node in nodes.get("function_declaration", []):
            owner = _constructed_type(node, src)
            if owner:
                name = _text(node.child_by_field_name("name"), src)
                methods.setdefault(owner, []).append((node, Member(
                    name=name, line=node.start_point[0] + 1, visibility=_visibility(name),
                    static=True, constructor=True)))
        constants: dict[str, list[Member]] = {}
        for node in nodes.get("const_declaration", []):
            for owner, name_node in _typed_constants(node, src):
                name = _text(name_node, src)
                constants.setdefault(owner, []).append(Member(
                    name=name, line=name_node.start_point[0] + 1, visibility=_visibility(name),
                    static=True))

        found: list[ClassInfo] = []
        declared: set[str] = set()
        for node in nodes.get("type_spec", []):
            info = _type(node, src, methods, constants)
            if info is not None:
                found.append(info)
                declared.add(info.name)
        for owner, members in methods.items():
            # Methods of a type declared in another file of the package.
            if owner in declared or not any(not m.constructor for _, m in members):
                continue
            found.append(ClassInfo(
                name=owner, kind="impl",
                start_line=min(n.start_point[0] for n, _ in members) + 1,
                end_line=max(n.end_point[0] for n, _ in members) + 1,
                methods=[m for _, m in sorted(members, key=lambda p: p[1].line)]))
        found.sort(key=lambda c: c.start_line)
        return found

    def imports(self, nodes: dict[str, list[Node]], src: bytes) -> list[ImportInfo]:
        specs = nodes.get("import_spec", [])
        if not specs:
            return []
        constrained = _build_constrained(specs[0], src)
        found: list[ImportInfo] = []
        for node in specs:
            path = node.child_by_field_name("path")
            module = _string_value(path, src)
            alias = node.child_by_field_name("name")
            kind: ImportKind = "conditional" if constrained else "static"
            if module.startswith(("./", "../")) or module in (".", ".."):
                kind = "relative"
            found.append(ImportInfo(module=module,
                                    names=[_text(alias, src)] if alias is not None else [],
                                    kind=kind, line=node.start_point[0] + 1))
        return found


# -- helpers ------------------------------------------------------------------------------------


def _visibility(name: str) -> str:
    """Exported (capitalised) names are public; the rest are visible in their package."""
    return "public" if name[:1].isupper() else "package"


def _count_params(params: Node) -> int:
    """Go's parameters: `a, b int` is two, an unnamed `int` one, `xs ...T` one."""
    count = 0
    for child in params.named_children:
        if child.type == "parameter_declaration":
            count += max(1, len(child.children_by_field_name("name")))
        elif child.type == "variadic_parameter_declaration":
            count += 1
    return count


def _declared_variable(node: Node, src: bytes) -> str:
    """The variable a literal initialises in `var name [T] = func...`, lizard's only named
    literal: one name, not in a `var (...)` group, the literal first in the value."""
    value = node.parent
    while value is not None and value.type != "expression_list":
        if value.start_byte != node.start_byte or value.type in ("var_spec", "block"):
            return ""
        value = value.parent
    if value is None or value.start_byte != node.start_byte:
        return ""
    spec = value.parent
    if spec is None or spec.type != "var_spec" or spec.child_by_field_name("value") != value:
        return ""
    if spec.parent is None or spec.parent.type != "var_declaration":
        return ""
    names = spec.children_by_field_name("name")
    return _text(names[0], src) if len(names) == 1 else ""


def _base_type(node: Node | None, src: bytes) -> str:
    """`T` of `T`, `*T`, `T[K]`, `*T[K]`, `(T)`; "" for qualified or composite types."""
    while node is not None:
        kind = node.type
        if kind == "type_identifier":
            return _text(node, src)
        if kind in ("pointer_type", "parenthesized_type"):
            node = next((c for c in node.named_children if c.type != "comment"), None)
        elif kind == "generic_type":
            node = node.child_by_field_name("type")
        else:
            return ""
    return ""


def _receiver_type(receiver: Node | None, src: bytes) -> str:
    if receiver is None:
        return ""
    for child in receiver.named_children:
        if child.type == "parameter_declaration":
            return _base_type(child.child_by_field_name("type"), src)
    return ""


def _constructed_type(node: Node, src: bytes) -> str:
    """The type a `New...` function constructs: `func NewStore() *Store`, `func New() *Engine`,
    `func NewX() (*X, error)`; "" if it is not such a function."""
    name = _text(node.child_by_field_name("name"), src)
    if not name.startswith("New"):
        return ""
    result = node.child_by_field_name("result")
    if result is not None and result.type == "parameter_list":
        first = next((c for c in result.named_children if c.type == "parameter_declaration"),
                     None)
        result = first.child_by_field_name("type") if first is not None else None
    owner = _base_type(result, src)
    if not owner or owner in _PREDECLARED:
        return ""
    if name == "New" + owner or (name == "New" and owner[:1].isupper()):
        return owner
    return ""


def _typed_constants(node: Node, src: bytes) -> list[tuple[str, Node]]:
    """(type, name) of the constants of a `const` declaration with a named type. In a group, a
    spec with no value repeats the type and value before it: `Debug Level = iota; Info`."""
    found: list[tuple[str, Node]] = []
    owner = ""
    for spec in node.named_children:
        if spec.type != "const_spec":
            continue
        if spec.child_by_field_name("value") is not None:
            type_node = spec.child_by_field_name("type")
            owner = _text(type_node, src) if type_node is not None and \
                type_node.type == "type_identifier" else ""
        if owner:
            found.extend((owner, name) for name in spec.children_by_field_name("name"))
    return found


def _type(node: Node, src: bytes, methods: dict[str, list[tuple[Node, Member]]],
          constants: dict[str, list[Member]]) -> ClassInfo | None:
    """A struct, an interface, or a defined type that has methods or typed constants."""
    name = _text(node.child_by_field_name("name"), src)
    body = node.child_by_field_name("type")
    if not name or body is None:
        return None
    bases: list[str] = []
    fields: list[Member] = []
    members = [m for _, m in sorted(methods.get(name, []), key=lambda p: p[1].line)]
    kind: ClassKind
    if body.type == "struct_type":
        kind = "struct"
        field_list = next((c for c in body.named_children
                           if c.type == "field_declaration_list"), None)
        for field in field_list.named_children if field_list is not None else []:
            if field.type != "field_declaration":
                continue
            names = field.children_by_field_name("name")
            if not names:  # an embedded type: `Base`, `*Base`, `io.Reader`
                written = _text(field, src)
                tag = field.child_by_field_name("tag")
                if tag is not None:
                    written = src[field.start_byte:tag.start_byte].decode("utf-8", "replace")
                bases.append(_squash(written))
                continue
            for name_node in names:
                field_name = _text(name_node, src)
                fields.append(Member(name=field_name, line=name_node.start_point[0] + 1,
                                     visibility=_visibility(field_name)))
    elif body.type == "interface_type":
        kind = "interface"
        for element in body.named_children:
            if element.type == "method_elem":
                method = _text(element.child_by_field_name("name"), src)
                members.append(Member(name=method, line=element.start_point[0] + 1,
                                      visibility=_visibility(method)))
            elif element.type == "type_elem" and element.named_child_count == 1 and \
                    element.named_children[0].type in ("type_identifier", "qualified_type",
                                                       "generic_type"):
                bases.append(_text(element, src))  # an embedded interface
    elif name in constants:
        kind = "enum"
        fields = constants[name]
    elif members:
        kind = "class"
    else:
        return None
    return ClassInfo(name=name, kind=kind, start_line=node.start_point[0] + 1,
                     end_line=node.end_point[0] + 1, bases=bases, methods=members,
                     fields=fields)


def _string_value(node: Node | None, src: bytes) -> str:
    text = _text(node, src)
    return text[1:-1] if len(text) >= 2 and text[0] in "\"`" else text


def _build_constrained(node: Node, src: bytes) -> bool:
    """Whether the file has a build constraint (`//go:build`, `// +build`) before its package
    clause: then it is compiled, and its imports made, only on some platforms or tags."""
    root = node
    while root.parent is not None:
        root = root.parent
    for child in root.children:
        if child.type == "package_clause":
            break
        if child.type == "comment":
            text = _text(child, src)
            if text.startswith("//go:build") or text.startswith("// +build"):
                return True
    return False
