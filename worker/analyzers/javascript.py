"""JavaScript (with JSX) on tree-sitter-javascript: node types as data, plus the hooks JavaScript
needs. The TypeScript analyzer (typescript.py) is a subclass: everything here holds for it too.

It must never do I/O or import ZeroMQ; it only turns a file's bytes into a `FileAnalysis`.

lizard's TypeScript/JavaScript reader is the reference for ccn. It counts tokens, not syntax:
`if for while catch case && || ?? ?`, also where they are property names (`promise.catch(...)`),
`&&= ||= ??=` (its tokenizer splits them), every default value of a binding (`(a = 1) =>`,
`const {b = 2} = o`), and a `?` only when it does not stick to the word before it (`a?b:c` is one
token `a?` to lizard, like the optional marker of `name?: T`). It sees a template literal's
`${...}` as one opaque token: nothing inside a template counts. docs/languages/javascript.md
lists every difference that remains, with examples.
"""

from __future__ import annotations

import re
from typing import ClassVar

import tree_sitter_javascript
from tree_sitter import Node, Tree

from mesh.models import (
    ClassInfo,
    ClassKind,
    FunctionKind,
    ImportInfo,
    ImportKind,
    Language,
    Member,
)
from worker.analyzers.engine import Container, FileTotals, Scope, TreeSitterAnalyzer, _text

# Keywords lizard counts wherever they appear as a token, e.g. as property names (`p.catch()`).
KEYWORD_DECISIONS = frozenset({b"if", b"for", b"while", b"catch", b"case"})
# Tokens holding a `?` that lizard may count (TypeScript's mapped types: `]?:`, `]-?:`).
QUESTION_MARKS = frozenset({"?", "?:", "-?:", "+?:"})
# Nodes that bind names and may carry a default value (`= expr`): lizard counts each default.
DEFAULTS = frozenset({"assignment_pattern", "object_assignment_pattern"})
# Nodes through which an anonymous function still takes the name it is bound to.
TRANSPARENT = frozenset({"parenthesized_expression"})
# Property-name nodes (a property named `catch` is still a decision token to lizard).
PROPERTY_NAMES = frozenset({"property_identifier", "shorthand_property_identifier",
                            "shorthand_property_identifier_pattern"})
CLASS_NODES = frozenset({"class_declaration", "class", "abstract_class_declaration"})
METHODS = frozenset({"method_definition", "method_signature", "abstract_method_signature"})
FIELDS = frozenset({"field_definition", "public_field_definition"})


class JavaScriptAnalyzer(TreeSitterAnalyzer):
    language: ClassVar[Language] = "javascript"
    grammar = tree_sitter_javascript.language()
    version = "2"  # 2: a token's Halstead role by grammar symbol, not by the first of its name

    functions: ClassVar[dict[str, FunctionKind]] = {
        "function_declaration": "function",
        "generator_function_declaration": "function",
        "function_expression": "function",
        "generator_function": "function",
        "arrow_function": "lambda",
        "method_definition": "method",
    }
    containers = frozenset({"class_declaration", "class", "object"})
    comments = frozenset({"comment", "html_comment"})
    # A template is one token to lizard (nothing inside it counts), and a regex or a string
    # is one operand to Halstead.
    atoms = frozenset({"string", "template_string", "regex"})
    operands = frozenset({"identifier", "property_identifier", "private_property_identifier",
                          "shorthand_property_identifier", "statement_identifier", "number",
                          "jsx_text"})
    not_operators = frozenset({"(", ")", "[", "]", "{", "}", ",", ";", ".", ":", "?.",
                               "function", "class", "=>", "@", "<", ">", "</", "/>", "\"",
                               "'"})
    decisions = frozenset({"if", "for", "while", "catch", "case", "&&", "||", "??", "&&=",
                           "||=", "??="})
    cognitive_structures = frozenset({"if_statement", "for_statement", "for_in_statement",
                                      "while_statement", "do_statement", "switch_statement",
                                      "catch_clause", "ternary_expression"})
    cognitive_flat = frozenset({"else_clause", "break_statement", "continue_statement"})
    logical_operators = frozenset({"&&", "||", "??"})
    logical_expressions = frozenset({"binary_expression"})

    collect = frozenset({*QUESTION_MARKS, "regex", *DEFAULTS, *PROPERTY_NAMES, *CLASS_NODES,
                         "import_statement", "export_statement", "call_expression"})
    class_nodes: ClassVar[frozenset[str]] = CLASS_NODES

    def leaf_role(self, kind: str, named: bool) -> int:
        """A `#!` line is a line of code, as lizard counts it, but no operand or operator."""
        return 0 if kind == "hash_bang_line" else super().leaf_role(kind, named)

    # -- functions ------------------------------------------------------------------------------

    def function_name(self, node: Node, src: bytes) -> str:
        kind = node.type
        if kind in METHODS or kind == "function_signature":
            return self._member_name(node, src)
        name = node.child_by_field_name("name")
        if name is not None and kind != "arrow_function":
            return _text(name, src)
        return self._bound_name(node) or "(anonymous)"

    def _member_name(self, node: Node, src: bytes) -> str:
        """A method's name as lizard shows it: `get total`, `#secret`, `[Symbol.iterator]` read
        as lizard does (`symbol.iterator`)."""
        name = node.child_by_field_name("name")
        if name is None:
            return "(anonymous)"
        text = _text(name, src)
        if name.type == "computed_property_name":
            inner = "".join(text[1:-1].split()).replace("'", "").replace('"', "").replace("+", "")
            text = inner[:1].lower() + inner[1:]
        for child in node.children:
            if child.id == name.id:
                break
            if child.type in ("get", "set"):
                return f"{child.type} {text}"
        return text

    def _bound_name(self, node: Node) -> str:
        """The name an anonymous function (or class, or object) is bound to, as lizard gives
        it: `const f = () => 1` is `f`, `exports.g = function () {}` is `exports.g`,
        `{ h: () => 1 }` is `h`, `var i = (function () {...})()` and
        `var j = cond ? k : function () {}` are `i` and `j`."""
        parent = node.parent
        function = node.type in ("function_expression", "generator_function")
        while parent is not None:
            kind = parent.type
            through = kind in TRANSPARENT or (
                # `var f = cond ? g : function () {}`, `var f = g || function () {}`
                function and kind == "binary_expression") or (
                function and kind == "ternary_expression"
                and not _same(parent.child_by_field_name("condition"), node)) or (
                # an IIFE: `(function () {...})()`, `function () {...}()`
                kind == "call_expression" and (node.type in TRANSPARENT or function)
                and _same(parent.child_by_field_name("function"), node))
            if not through:
                break
            node, parent = parent, parent.parent
        if parent is None:
            return ""
        kind = parent.type
        if kind == "variable_declarator":
            target = parent.child_by_field_name("name")
        elif kind == "assignment_expression":
            target = parent.child_by_field_name("left")
        elif kind == "pair":
            target = parent.child_by_field_name("key")
        elif kind in FIELDS:
            target = _field_name(parent)
        else:
            return ""
        if target is None or target.id == node.id or target.type not in (
                "identifier", "member_expression", "property_identifier",
                "private_property_identifier"):
            return ""
        text = "".join((target.text or b"").decode("utf-8", "replace").split())
        return text if _is_dotted_name(text) else ""

    def function_params(self, node: Node, src: bytes) -> tuple[int, str]:
        params = node.child_by_field_name("parameters")
        if params is None:
            single = node.child_by_field_name("parameter")  # `x => x`
            return (1, f"( {_text(single, src)} )") if single is not None else (0, "()")
        count = sum(1 for child in params.named_children if child.type != "comment")
        return count, " ".join(_text(params, src).split())

    def function_kind(self, node: Node, default: FunctionKind, outer: Scope | None,
                      container: Container | None, src: bytes) -> FunctionKind:
        if node.type in METHODS:
            name = node.child_by_field_name("name")
            parent = node.parent
            if name is not None and name.text == b"constructor" and parent is not None \
                    and parent.type == "class_body":
                return "constructor"
            return "method"
        context = _binding_context(node)
        if context is not None and (context.type == "pair" or context.type in FIELDS):
            return "method"
        if outer is not None or (context is not None and context.type == "arguments"):
            return "closure"
        return default

    def start_line(self, node: Node) -> int:
        """The line lizard starts a function on: that of its parameter list's `(`, but for an
        arrow function not bound to a name (a callback) or written without parentheses, the
        line of the first token after `=>`."""
        if node.type == "arrow_function":
            params = node.child_by_field_name("parameters")
            if params is None or not self._bound_name(node):
                body = node.child_by_field_name("body")
                if body is not None:
                    return body.start_point[0] + 1
            else:
                return params.start_point[0] + 1
        params = node.child_by_field_name("parameters")
        return (params if params is not None else node).start_point[0] + 1

    def container_name(self, node: Node, src: bytes) -> str:
        if node.type == "object":
            return self._bound_name(node)
        name = node.child_by_field_name("name")
        if name is None and node.type == "class":
            return self._bound_name(node)
        return _text(name, src).strip("'\"") if name is not None else ""

    # -- cognitive complexity -------------------------------------------------------------------

    def continues_chain(self, node: Node) -> bool:
        parent = node.parent
        return node.type == "if_statement" and parent is not None and \
            parent.type == "else_clause"

    def flat_increment(self, node: Node) -> bool:
        """`else` counts unless it is the `else` of an `else if` (the `if` counts then); a
        `break`/`continue` counts only with a label (a jump Sonar counts)."""
        if node.type == "else_clause":
            return not any(child.type == "if_statement" for child in node.named_children)
        return node.child_by_field_name("label") is not None

    # -- decisions that depend on context: lizard counts tokens, tree-sitter gives syntax --------

    def correct(self, tree: Tree, src: bytes, totals: FileTotals, found: list[Scope],
                collected: dict[str, list[Node]]) -> None:
        changes: list[tuple[int, int]] = []  # (byte position, ccn change)
        for kind in QUESTION_MARKS:
            for node in collected.get(kind, ()):
                if _lizard_ternary(node, src):
                    changes.append((node.start_byte, 1))
        for kind in PROPERTY_NAMES:
            for node in collected.get(kind, ()):
                if node.end_byte - node.start_byte <= 5 and \
                        src[node.start_byte:node.end_byte] in KEYWORD_DECISIONS and \
                        (node.parent is None or node.parent.type != "jsx_attribute"):
                    changes.append((node.start_byte, 1))
        for node in self._defaults(collected):
            changes.append((node.start_byte, 1))
        for node in collected.get("regex", ()):
            if not _lizard_sees_regex(node, src):
                changes.extend((node.start_byte, 1)
                               for _ in range(_decisions_in_text(src[node.start_byte:
                                                                     node.end_byte])))
        if changes:
            _add_decisions(found, totals, changes)

    def _defaults(self, collected: dict[str, list[Node]]) -> list[Node]:
        """Binding patterns with a default value, each one decision to lizard."""
        return [node for kind in DEFAULTS for node in collected.get(kind, ())]

    # -- classes --------------------------------------------------------------------------------

    def classes(self, nodes: dict[str, list[Node]], src: bytes) -> list[ClassInfo]:
        found = [self._class(node, src) for kind in self.class_nodes
                 for node in nodes.get(kind, ()) if node.is_named]  # not the `class` keyword
        found.sort(key=lambda c: c.start_line)
        return found

    def _class_kind(self, node: Node) -> ClassKind:
        return "class"

    def _class(self, node: Node, src: bytes) -> ClassInfo:
        name = node.child_by_field_name("name")
        title = _text(name, src) if name is not None else self._bound_name(node)
        methods: list[Member] = []
        fields: list[Member] = []
        body = node.child_by_field_name("body")
        for member in self._members(body.named_children if body is not None else [], src):
            self._member(member, src, methods, fields)
        return ClassInfo(name=title or "(anonymous)", kind=self._class_kind(node),
                         start_line=node.start_point[0] + 1, end_line=node.end_point[0] + 1,
                         bases=self._bases(node, src), methods=methods, fields=fields)

    def _members(self, members: list[Node], src: bytes) -> list[Node]:
        """The members of a class body to list (TypeScript leaves out overload signatures)."""
        return members

    def _bases(self, node: Node, src: bytes) -> list[str]:
        bases: list[str] = []
        for child in node.children:
            if child.type == "class_heritage":
                for clause in child.named_children:
                    if clause.type in ("extends_clause", "implements_clause"):
                        for base in clause.named_children:
                            if base.type == "type_arguments" and bases:  # `Base<T>`
                                bases[-1] += _text(base, src)
                            elif base.type != "comment":
                                bases.append(_text(base, src))
                    elif clause.type != "comment":  # JavaScript: `extends Base` directly
                        bases.append(_text(clause, src))
        return bases

    def _member(self, member: Node, src: bytes, methods: list[Member],
                fields: list[Member]) -> None:
        name_node = _field_name(member)
        if name_node is None:
            return
        name = _text(name_node, src)
        modifiers = _modifiers(member, src)
        visibility = modifiers.get("visibility", "")
        if name.startswith("#"):
            visibility = "private"
        static = "static" in modifiers
        line = member.start_point[0] + 1
        if member.type in METHODS:
            constructor = name == "constructor"
            methods.append(Member(name=name, line=line, visibility=visibility, static=static,
                                  constructor=constructor))
            if constructor:
                fields.extend(self._parameter_properties(member, src))
        elif member.type in FIELDS:
            fields.append(Member(name=name, line=line, visibility=visibility, static=static))

    def _parameter_properties(self, constructor: Node, src: bytes) -> list[Member]:
        return []

    # -- imports --------------------------------------------------------------------------------

    def imports(self, nodes: dict[str, list[Node]], src: bytes) -> list[ImportInfo]:
        found: list[ImportInfo] = []
        for node in nodes.get("import_statement", ()):
            info = self._import(node, src)
            if info is not None:
                found.append(info)
        for node in nodes.get("export_statement", ()):
            source = node.child_by_field_name("source")
            if source is not None:  # a re-export: `export { a } from './a'`
                found.append(self._reexport(node, source, src))
        for node in nodes.get("call_expression", ()):
            info = self._call_import(node, src)
            if info is not None:
                found.append(info)
        found.sort(key=lambda i: i.line)
        return found

    def _import(self, node: Node, src: bytes) -> ImportInfo | None:
        source = node.child_by_field_name("source")
        if source is None:
            return None
        module = _string_value(source, src)
        names: list[str] = []
        type_only = any(child.type == "type" for child in node.children)
        typed_names = 0
        for clause in node.named_children:
            if clause.type != "import_clause":
                continue
            for part in clause.named_children:
                if part.type == "identifier":  # default import
                    names.append(_text(part, src))
                elif part.type == "namespace_import":
                    names.append("*")
                elif part.type == "named_imports":
                    for spec in part.named_children:
                        if spec.type != "import_specifier":
                            continue
                        imported = spec.child_by_field_name("name")
                        names.append(_text(imported, src))
                        if any(c.type in ("type", "typeof") for c in spec.children):
                            typed_names += 1
        if names and typed_names == len(names):
            type_only = True
        return ImportInfo(module=module, names=names, kind=_static_kind(module, type_only),
                          line=node.start_point[0] + 1)

    def _reexport(self, node: Node, source: Node, src: bytes) -> ImportInfo:
        module = _string_value(source, src)
        names: list[str] = []
        type_only = any(child.type == "type" for child in node.children)
        for child in node.named_children:
            if child.type == "export_clause":
                names.extend(_text(spec.child_by_field_name("name"), src)
                             for spec in child.named_children if spec.type == "export_specifier")
            elif child.type == "namespace_export":
                names.append("*")
        if not names and any(child.type == "*" for child in node.children):
            names.append("*")
        return ImportInfo(module=module, names=names, kind=_static_kind(module, type_only),
                          line=node.start_point[0] + 1)

    def _call_import(self, node: Node, src: bytes) -> ImportInfo | None:
        """`require('x')` (static at the top level, conditional under an if/try/ternary,
        dynamic inside a function) and `import('x')` (always dynamic)."""
        function = node.child_by_field_name("function")
        if function is None:
            return None
        dynamic = function.type == "import"
        if not dynamic and (function.type != "identifier" or function.text != b"require"):
            return None
        arguments = node.child_by_field_name("arguments")
        first = arguments.named_children[0] if arguments is not None and \
            arguments.named_children else None
        if first is None or first.type not in ("string", "template_string") or \
                (first.type == "template_string" and first.named_child_count):
            return None
        module = _string_value(first, src)
        kind: ImportKind
        if dynamic:
            kind = "dynamic"
        else:
            lazy, conditional = _call_context(node)
            kind = "dynamic" if lazy else "conditional" if conditional else \
                _static_kind(module, False)
        return ImportInfo(module=module, names=_required_names(node, src), kind=kind,
                          line=node.start_point[0] + 1)


# -- helpers ------------------------------------------------------------------------------------

def _is_dotted_name(text: str) -> bool:
    """What lizard takes as a function's name: an identifier, or a dotted chain of them."""
    if not text or not (text[0].isalpha() or text[0] in "_$#"):
        return False
    return all(part and all(c.isalnum() or c in "_$#" for c in part)
               for part in text.split("."))


def _field_name(node: Node) -> Node | None:
    """The name of a class member (JavaScript's field_definition calls it `property`)."""
    name = node.child_by_field_name("name")
    return name if name is not None else node.child_by_field_name("property")


def _same(a: Node | None, b: Node) -> bool:
    return a is not None and a.id == b.id


def _binding_context(node: Node) -> Node | None:
    parent = node.parent
    while parent is not None and parent.type in TRANSPARENT:
        parent = parent.parent
    return parent


def _lizard_ternary(node: Node, src: bytes) -> bool:
    """Whether lizard's tokenizer makes this `?` a token of its own (a decision): not when it
    sticks to a word (`a?b:c`, `name?: T` are the tokens `a?`, `name?`), unless that word began
    with `$` or `#` (lizard reads `$x`, `#x` as tokens that cannot take the `?`)."""
    start = node.start_byte + (node.type in ("-?:", "+?:"))
    if start == 0 or src[start + 1:start + 2] in (b"?", b"."):
        return True
    position = start
    while position > 0 and _is_word_byte(src, position - 1):
        position -= 1
    if position == start:
        return True
    return position > 0 and src[position - 1:position] in (b"$", b"#")


def _lizard_sees_regex(node: Node, src: bytes) -> bool:
    """lizard's tokenizer takes `/.../` for a regex only after one of `=,({[?:!&|;` (or at the
    start of the file); elsewhere (`return /a?b/`, `=> /x/`) it reads the pattern as code."""
    position = node.start_byte - 1
    while position >= 0 and src[position] in b" \t\r\n\f\v":
        position -= 1
    return position < 0 or src[position:position + 1] in b"=,({[?:!&|;"


# What lizard makes of a regex it reads as code: its words and operators (see _lizard_ternary).
_CODE_TOKENS = re.compile(rb"\w+\?(?![?.])|\?\?|\?\.(?!\d)|&&|\|\||\w+|\S")


def _decisions_in_text(text: bytes) -> int:
    count = 0
    for token in _CODE_TOKENS.findall(text):
        if token in (b"?", b"&&", b"||", b"??") or token in KEYWORD_DECISIONS:
            count += 1
    return count


def _is_word_byte(src: bytes, index: int) -> bool:
    byte = src[index]
    if byte < 0x80:
        return byte == 0x5F or 0x30 <= byte <= 0x39 or 0x41 <= byte <= 0x5A or \
            0x61 <= byte <= 0x7A
    # a byte of a multi-byte character: lizard's `\w` takes letters and digits of any script
    begin = index
    while begin > 0 and 0x80 <= src[begin] < 0xC0:
        begin -= 1
    char = src[begin:index + 1].decode("utf-8", "ignore")
    return bool(char) and (char[-1].isalnum() or char[-1] == "_")


def _add_decisions(found: list[Scope], totals: FileTotals,
                   changes: list[tuple[int, int]]) -> None:
    """Add each ccn change to the innermost function containing its byte position: one sweep
    over changes and functions in source order (functions nest, so a stack holds the open
    ones)."""
    scopes = sorted(found, key=lambda s: (s.node.start_byte, -s.node.end_byte))
    stack: list[Scope] = []
    index = 0
    for position, change in sorted(changes):
        while index < len(scopes) and scopes[index].node.start_byte <= position:
            opening = scopes[index]
            while stack and stack[-1].node.end_byte <= opening.node.start_byte:
                stack.pop()
            stack.append(opening)
            index += 1
        while stack and stack[-1].node.end_byte <= position:
            stack.pop()
        if stack:
            stack[-1].ccn += change
        else:
            totals.top_level_ccn += change


def _string_value(node: Node, src: bytes) -> str:
    return _text(node, src)[1:-1]


def _static_kind(module: str, type_only: bool) -> ImportKind:
    if type_only:
        return "type-only"
    return "relative" if module.startswith(".") else "static"


def _call_context(node: Node) -> tuple[bool, bool]:
    """(inside a function: lazy, under an if/try/ternary/switch: conditional) for a call."""
    lazy = conditional = False
    parent = node.parent
    while parent is not None:
        kind = parent.type
        if kind in ("function_declaration", "function_expression", "arrow_function",
                    "method_definition", "generator_function", "generator_function_declaration"):
            lazy = True
        elif kind in ("if_statement", "try_statement", "ternary_expression", "switch_statement"):
            conditional = True
        elif kind == "binary_expression":  # `x || require('y')`
            operator = parent.child_by_field_name("operator")
            conditional |= operator is not None and operator.type in ("&&", "||", "??")
        parent = parent.parent
    return lazy, conditional


def _required_names(node: Node, src: bytes) -> list[str]:
    """`const { a, b } = require('x')` imports `a` and `b`; `const x = require('x')` names
    nothing (the module itself is bound)."""
    parent = node.parent
    if parent is None or parent.type != "variable_declarator":
        return []
    target = parent.child_by_field_name("name")
    if target is None or target.type != "object_pattern":
        return []
    names: list[str] = []
    for child in target.named_children:
        if child.type == "shorthand_property_identifier_pattern":
            names.append(_text(child, src))
        elif child.type == "pair_pattern":
            names.append(_text(child.child_by_field_name("key"), src))
        elif child.type == "object_assignment_pattern":
            names.append(_text(child.child_by_field_name("left"), src))
    return names


def _modifiers(member: Node, src: bytes) -> dict[str, str]:
    found: dict[str, str] = {}
    for child in member.children:
        if child.type == "accessibility_modifier":
            found["visibility"] = _text(child, src)
        elif child.type in ("static", "readonly", "abstract", "async", "override"):
            found[child.type] = child.type
        elif child.type == "decorator":
            continue
        elif child.is_named:
            break
    return found
