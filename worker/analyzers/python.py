"""Python on tree-sitter-python: node types as data, plus the hooks Python needs.

lizard's Python reader is the reference for ccn and NLOC: it counts `if elif for while except
finally and or` and the soft keyword `case`, also inside f-strings' replacement fields; lambdas
are not functions of their own (their decisions count towards the enclosing function); a
standalone triple-quoted string (docstring or not) is a comment, not code.

radon is the reference for Halstead and the maintainability index, SonarSource's specification
(as sonar-python applies it) for cognitive complexity: both are computed after the engine's walk
from the nodes it collected, by python_radon and python_cognitive (docs/languages/python.md).
"""

from __future__ import annotations

from typing import ClassVar

import tree_sitter_python
from tree_sitter import Node, Tree

from mesh.models import ClassInfo, FunctionKind, ImportInfo, ImportKind, Member
from worker.analyzers import python_cognitive, python_radon
from worker.analyzers.engine import (
    DECISION,
    Container,
    FileTotals,
    Scope,
    TreeSitterAnalyzer,
    _text,
)
from worker.analyzers.halstead import maintainability_index


class PythonAnalyzer(TreeSitterAnalyzer):
    language = "python"
    grammar = tree_sitter_python.language()
    version = "2"  # 2: radon's Halstead and MI, Sonar's cognitive rules for Python, f-string ccn

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
    # the engine's in-walk cognitive count only serves `max_nesting` here: python_cognitive
    # computes Python's cognitive complexity after the walk (elif/else and boolean runs too)
    cognitive_nesting_only = frozenset({"lambda"})

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
                      container: Container | None, src: bytes) -> FunctionKind:
        kind = super().function_kind(node, default, outer, container, src)
        name_node = node.child_by_field_name("name")
        if kind == "method" and name_node is not None and name_node.text == b"__init__":
            return "constructor"
        return kind

    def is_comment_atom(self, node: Node, src: bytes) -> bool:
        """A standalone triple-quoted string is documentation, as lizard counts it."""
        start = node.start_byte
        head = src[start:start + 3]
        if head != b'"""' and head != b"'''":
            if head[:1] == b'"' or head[:1] == b"'":
                return False  # most strings: decided without asking for the parent
            head = src[start:start + 5].lstrip(b"rRbBuUfF")[:3]  # after a prefix
            if head != b'"""' and head != b"'''":
                return False
        parent = node.parent
        if parent is not None and parent.type == "expression_statement" and \
                parent.named_child_count == 1:
            return True  # a docstring, or any string statement
        if head != src[start:start + 3]:
            return False  # prefixed: lizard never reads `r"""` as a comment
        # lizard: an operand only after `=`, `(`, `,`, `[`, `return` and arithmetic; otherwise
        # (after `:` in a dict, another string, `else`, `and`, ...) a comment
        return _previous_token(node, src) not in _OPERAND_AFTER

    # -- Halstead and maintainability index: radon's ---------------------------------------------

    _mi_inputs: tuple[int, int, float] = (1, 0, 0.0)  # radon's (complexity, LLOC, comment %)

    def leaf_role(self, kind: str, named: bool) -> int:
        """Tokens keep only their ccn role: Halstead is radon's here (`_walk`), so the walk
        need not collect every token as an operator or operand."""
        return super().leaf_role(kind, named) & DECISION

    def correct(self, tree: Tree, src: bytes, totals: FileTotals, found: list[Scope],
                collected: dict[str, list[Node]]) -> None:
        """After the engine's walk, from the nodes it collected: cognitive complexity as
        SonarSource defines it for Python (python_cognitive), radon's Halstead counts in place
        of the token-based ones (file and every function) and radon's MI inputs."""
        _count_nested_headers(found)
        fstrings = python_radon.fstring_nodes(src, collected.get("string", []))
        if fstrings:
            _count_fstring_decisions(fstrings, found, self.decisions)
        cognitive = python_cognitive.measure(collected, found, fstrings)
        for scope in found:
            scope.cognitive = cognitive[id(scope)]
        counts = python_radon.measure(src, collected, found, fstrings)
        ids: dict[object, bytes] = {}

        def interned(operands: list[object]) -> list[bytes]:
            # the engine counts distinct operands with a set of bytes: one id per radon operand
            return [ids.setdefault(key, b"%d" % len(ids)) for key in operands]

        totals.operators = counts.file.operators
        totals.operands = interned(counts.file.operands)
        for scope in found:
            bucket = counts.scopes[id(scope)]
            scope.operators = bucket.operators
            scope.operands = interned(bucket.operands)
        # radon's arithmetic, in radon's order (mi_parameters): equal counts, equal floats
        percent = (counts.comments + counts.multi) / float(counts.sloc) * 100 \
            if counts.sloc else 0.0
        self._mi_inputs = (counts.complexity, counts.lloc, percent)

    def maintainability(self, volume: float, ccn: int, code_lines: int, comment_lines: int,
                        root: Node, src: bytes) -> float:
        """radon's MI: its own complexity, LLOC and (comments + multi-line strings) / SLOC, as
        measured by `_walk` for this file; `volume` is radon's already."""
        complexity, lloc, percent = self._mi_inputs
        return maintainability_index(volume, complexity, lloc, percent)

    # -- classes and imports --------------------------------------------------------------------

    collect = frozenset({"class_definition", "import_statement", "import_from_statement",
                         "future_import_statement", "call"}) \
        | python_radon.COLLECT | python_cognitive.COLLECT

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
                methods.append(Member.model_construct(
                    name=name, line=definition.start_point[0] + 1,
                    visibility=_visibility(name),
                    static=any(d in ("@staticmethod", "@classmethod") for d in decorators),
                    constructor=name in ("__init__", "__new__")))
                if name == "__init__":
                    for target in _self_assignments(definition, src):
                        fields.setdefault(target[0], Member.model_construct(
                            name=target[0], line=target[1], visibility=_visibility(target[0])))
            elif definition.type == "expression_statement":
                for child in definition.named_children:
                    if child.type == "assignment":
                        left = child.child_by_field_name("left")
                        if left is not None and left.type == "identifier":
                            name = _text(left, src)
                            fields.setdefault(name, Member.model_construct(
                                name=name, line=child.start_point[0] + 1,
                                visibility=_visibility(name), static=True))
        return ClassInfo.model_construct(  # trusted values: no validation on the hot path
            name=_text(node.child_by_field_name("name"), src), kind="class",
            start_line=node.start_point[0] + 1, end_line=node.end_point[0] + 1,
            bases=bases, methods=methods, fields=list(fields.values()))

    def imports(self, nodes: dict[str, list[Node]], src: bytes) -> list[ImportInfo]:
        found: list[ImportInfo] = []
        for kind in ("import_statement", "import_from_statement", "future_import_statement"):
            for node in nodes.get(kind, []):
                lazy, conditional = _context(node)
                found.extend(self._import(node, src, lazy, conditional))
        calls = nodes.get("call", []) if b"import_module" in src or b"__import__" in src else []
        for node in calls:
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


# lizard_languages/python.py `_EXPRESSION_PRECEDING_TOKENS`: tokens after which a triple-quoted
# string is an operand rather than a comment
_OPERAND_AFTER = frozenset({"=", "+=", "-=", "*=", "/=", "%=", "//=", "**=", "&=", "|=", "^=",
                            "<<=", ">>=", "(", "return", ",", "[", "+", "-", "*", "/", "//",
                            "%"})


def _previous_token(node: Node, src: bytes) -> str:
    """The text of the token before `node` in the source, comments skipped ("" if none)."""
    current: Node | None = node
    while current is not None:
        before = current.prev_sibling
        while before is not None and before.type == "comment":
            before = before.prev_sibling
        if before is not None:
            while before.child_count and before.type != "string":
                children = [c for c in before.children if c.type != "comment"]
                if not children:
                    break
                before = children[-1]
            return src[before.start_byte:before.end_byte].decode("utf-8", "replace")
        current = current.parent
    return ""


def _count_nested_headers(scopes: list[Scope]) -> None:
    """lizard counts the `def` line of a nested function in the NLOC of the function holding it
    too (the line holds only the nested function's tokens, so the walk gave it to that one)."""
    holders: list[Scope] = []
    for scope in sorted(scopes, key=lambda s: (s.node.start_byte, -s.node.end_byte)):
        start = scope.node.start_byte
        while holders and holders[-1].node.end_byte <= start:
            holders.pop()
        if holders and scope.node.type == "function_definition":
            holders[-1].nloc += 1
        holders.append(scope)


def _count_fstring_decisions(fstrings: dict[str, list[Node]], scopes: list[Scope],
                             decisions: frozenset[str]) -> None:
    """lizard reads the replacement fields of f-strings as code: `f"{a if b else c}"` adds 1
    to the ccn of the function it is in (the innermost one)."""
    for kind in decisions:
        for token in fstrings.get(kind, ()):
            position = token.start_byte
            holder = None
            for scope in scopes:
                node = scope.node
                if node.start_byte <= position < node.end_byte and \
                        (holder is None or node.start_byte > holder.node.start_byte):
                    holder = scope
            if holder is not None:
                holder.ccn += 1


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
