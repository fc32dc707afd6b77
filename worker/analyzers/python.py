"""Python on tree-sitter-python: node types as data, plus the hooks Python needs.

lizard's Python reader is the reference for ccn and NLOC: it counts `if elif for while except
finally and or` and the soft keyword `case`; lambdas are not functions of their own (their
decisions count towards the enclosing function); a standalone triple-quoted string (docstring or
not) is a comment, not code.
"""

from __future__ import annotations

from typing import ClassVar

import tree_sitter_python
from tree_sitter import Node

from mesh.models import ClassInfo, FunctionKind, ImportInfo, ImportKind, Member
from worker.analyzers.engine import Container, Scope, TreeSitterAnalyzer, _text


class PythonAnalyzer(TreeSitterAnalyzer):
    language = "python"
    grammar = tree_sitter_python.language()
    version = "1"

    functions: ClassVar[dict[str, FunctionKind]] = {
        "function_definition": "function",
        "lambda": "lambda",
    }
    containers = frozenset({"class_definition"})
    comments = frozenset({"comment"})
    atoms = frozenset({"string"})
    not_operators = frozenset({"(", ")", "[", "]", "{", "}", ",", ":", ";", ".", "def", "class",
                               "->", "@"})
    decisions = frozenset({"if", "elif", "for", "while", "except", "finally", "and", "or",
                           "case"})
    cognitive_structures = frozenset({"if_statement", "for_statement", "while_statement",
                                      "except_clause", "conditional_expression",
                                      "match_statement"})
    cognitive_flat = frozenset({"elif_clause", "else_clause"})
    cognitive_nesting_only = frozenset({"lambda"})
    logical_operators = frozenset({"and", "or"})
    logical_expressions = frozenset({"boolean_operator"})

    def is_function(self, node: Node) -> bool:
        if node.type != "lambda":
            return True
        # a lambda bound to a name outside any function: `key = lambda item: item.size`
        parent = node.parent
        if parent is None or parent.type != "assignment":
            return False
        ancestor = parent.parent
        while ancestor is not None:
            if ancestor.type in ("function_definition", "lambda"):
                return False
            ancestor = ancestor.parent
        return True

    def function_name(self, node: Node, src: bytes) -> str:
        if node.type == "lambda":
            parent = node.parent
            target = parent.child_by_field_name("left") if parent is not None else None
            return _text(target, src) if target is not None else "(lambda)"
        return super().function_name(node, src)

    def function_params(self, node: Node, src: bytes) -> tuple[int, str]:
        params = node.child_by_field_name("parameters")
        if params is None:
            return 0, "()"
        count = sum(1 for child in params.named_children
                    if child.type not in ("comment", "keyword_separator",
                                          "positional_separator"))
        text = _text(params, src)
        return count, " ".join(text.split()) if text.startswith("(") else f"( {text} )"

    def function_kind(self, node: Node, default: FunctionKind, outer: Scope | None,
                      container: Container | None) -> FunctionKind:
        kind = super().function_kind(node, default, outer, container)
        name_node = node.child_by_field_name("name")
        if kind == "method" and name_node is not None and name_node.text == b"__init__":
            return "constructor"
        return kind

    def is_comment_atom(self, node: Node, src: bytes) -> bool:
        """A standalone triple-quoted string is documentation, as lizard counts it."""
        parent = node.parent
        if parent is None or parent.type != "expression_statement" or parent.named_child_count != 1:
            return False
        text = src[node.start_byte:node.end_byte].lstrip(b"rRbBuUfF")
        return text.startswith((b'"""', b"'''"))

    # -- classes and imports --------------------------------------------------------------------

    collect = frozenset({"class_definition", "import_statement", "import_from_statement",
                         "future_import_statement", "call"})

    def classes(self, nodes: dict[str, list[Node]], src: bytes) -> list[ClassInfo]:
        return [self._class(node, src) for node in nodes.get("class_definition", [])]

    def _class(self, node: Node, src: bytes) -> ClassInfo:
        bases: list[str] = []
        superclasses = node.child_by_field_name("superclasses")
        if superclasses is not None:
            bases = [_text(arg, src) for arg in superclasses.named_children
                     if arg.type not in ("keyword_argument", "comment")]
        methods: list[Member] = []
        fields: dict[str, Member] = {}
        body = node.child_by_field_name("body")
        for statement in body.named_children if body is not None else []:
            definition = statement
            decorators: list[str] = []
            if statement.type == "decorated_definition":
                decorators = [_text(d, src) for d in statement.named_children
                              if d.type == "decorator"]
                inner = statement.child_by_field_name("definition")
                if inner is None:
                    continue
                definition = inner
            if definition.type == "function_definition":
                name = _text(definition.child_by_field_name("name"), src)
                methods.append(Member(
                    name=name, line=definition.start_point[0] + 1,
                    visibility=_visibility(name),
                    static=any(d in ("@staticmethod", "@classmethod") for d in decorators),
                    constructor=name in ("__init__", "__new__")))
                if name == "__init__":
                    for target in _self_assignments(definition, src):
                        fields.setdefault(target[0], Member(
                            name=target[0], line=target[1], visibility=_visibility(target[0])))
            elif definition.type == "expression_statement":
                for child in definition.named_children:
                    if child.type == "assignment":
                        left = child.child_by_field_name("left")
                        if left is not None and left.type == "identifier":
                            name = _text(left, src)
                            fields.setdefault(name, Member(
                                name=name, line=child.start_point[0] + 1,
                                visibility=_visibility(name), static=True))
        return ClassInfo(name=_text(node.child_by_field_name("name"), src), kind="class",
                         start_line=node.start_point[0] + 1, end_line=node.end_point[0] + 1,
                         bases=bases, methods=methods, fields=list(fields.values()))

    def imports(self, nodes: dict[str, list[Node]], src: bytes) -> list[ImportInfo]:
        found: list[ImportInfo] = []
        for kind in ("import_statement", "import_from_statement", "future_import_statement"):
            for node in nodes.get(kind, []):
                lazy, conditional = _context(node)
                found.extend(self._import(node, src, lazy, conditional))
        for node in nodes.get("call", []):
            function = node.child_by_field_name("function")
            if function is None or function.type not in ("identifier", "attribute"):
                continue
            if _text(function, src) not in ("importlib.import_module", "__import__",
                                            "import_module"):
                continue
            arguments = node.child_by_field_name("arguments")
            first = arguments.named_children[0] if arguments is not None and \
                arguments.named_children else None
            if first is not None and first.type == "string":
                found.append(ImportInfo(module=_text(first, src).strip("'\""), kind="dynamic",
                                        line=node.start_point[0] + 1))
        found.sort(key=lambda i: i.line)
        return found

    def _import(self, node: Node, src: bytes, lazy: bool, conditional: bool) -> list[ImportInfo]:
        line = node.start_point[0] + 1
        kind: ImportKind = "dynamic" if lazy else "conditional" if conditional else "static"
        if _inside_type_checking(node, src):
            kind = "type-only"
        if node.type == "import_statement":
            modules = []
            for child in node.named_children:
                target = child.child_by_field_name("name") if child.type == "aliased_import" \
                    else child
                modules.append(_text(target, src))
            return [ImportInfo(module=m, kind=kind, line=line) for m in modules]
        module_node = node.child_by_field_name("module_name")
        module = _text(module_node, src) if module_node is not None else "__future__"
        names = []
        for child in node.children_by_field_name("name"):
            target = child.child_by_field_name("name") if child.type == "aliased_import" \
                else child
            names.append(_text(target, src))
        if any(child.type == "wildcard_import" for child in node.named_children):
            names.append("*")
        if module.startswith(".") and kind == "static":
            kind = "relative"
        return [ImportInfo(module=module, names=names, kind=kind, line=line)]


def _visibility(name: str) -> str:
    if name.startswith("__") and not name.endswith("__"):
        return "private"
    if name.startswith("_") and not name.endswith("__"):
        return "protected"
    return "public"


def _self_assignments(function: Node, src: bytes) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    stack = [function.child_by_field_name("body")]
    while stack:
        node = stack.pop()
        if node is None:
            continue
        if node.type == "assignment":
            left = node.child_by_field_name("left")
            if left is not None and left.type == "attribute":
                owner = left.child_by_field_name("object")
                attribute = left.child_by_field_name("attribute")
                if owner is not None and attribute is not None and _text(owner, src) == "self":
                    found.append((_text(attribute, src), node.start_point[0] + 1))
        if node.type not in ("function_definition", "class_definition", "lambda"):
            stack.extend(node.named_children)
    return found


def _context(node: Node) -> tuple[bool, bool]:
    """(inside a function: lazy, inside an if/try: conditional) for an import statement."""
    lazy = conditional = False
    parent = node.parent
    while parent is not None:
        if parent.type in ("function_definition", "lambda"):
            lazy = True
        elif parent.type in ("if_statement", "try_statement"):
            conditional = True
        parent = parent.parent
    return lazy, conditional


def _inside_type_checking(node: Node, src: bytes) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.type == "if_statement":
            condition = parent.child_by_field_name("condition")
            if condition is not None and _text(condition, src) in ("TYPE_CHECKING",
                                                                   "typing.TYPE_CHECKING"):
                return True
        parent = parent.parent
    return False
