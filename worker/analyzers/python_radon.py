"""radon's Halstead metrics, cyclomatic complexity and raw line counts for Python, computed on
the tree-sitter tree the engine has already walked.

radon (the reference for Python's Halstead and maintainability index) works on Python's `ast`
and `tokenize`; this module reproduces its definitions from the nodes the engine collected
during its one pass (`PythonAnalyzer.collect`), without a second walk of the tree:

- Halstead (radon/visitors.py `HalsteadVisitor`): only `BinOp`, `UnaryOp`, `BoolOp` (one
  operator, one operand per value: `a and b and c` is one `And` with three operands), `Compare`
  (one operator per comparison, one operand per side) and `AugAssign` count. An operand is known
  by (the name of the innermost enclosing function, its value): a name by its identifier, an
  attribute by its last name, a constant by its value with Python's equality (`1`, `1.0` and
  `True` are one operand, so are the name `x` and the string `"x"`); anything else (a call, a
  subscript, an f-string, `-1`) is a new operand every time. Function decorators, parameters
  and annotations are not visited at all (radon visits a function's body only).
- Cyclomatic complexity (radon/visitors.py `ComplexityVisitor.total_complexity`, what radon's MI
  uses): 1 + if/elif/ternary + loops (+1 with `else`) + except handlers (+1 for `try ... else`)
  + and/or + assert + comprehension `for`/`if` + match cases (less a catch-all), counted at
  module level, in top-level functions and in methods of top-level classes (+1 per method), but
  not in nested functions, in classes nested in classes or functions, in decorators, parameter
  defaults or base-class lists, nor inside an `assert`.
- Raw counts (radon/raw.py `analyze`): logical lines as `tokenize` groups physical lines
  (brackets, strings, backslashes); SLOC are the non-blank lines of groups that are neither a
  lone comment nor a lone string; multi are the non-blank lines of lone multi-line strings;
  comments are comment tokens; LLOC is 1 per group holding code, 2 when a `:` is followed by
  more code in the group, split at `;`.

docs/metrics.md lists every known difference from radon, with an example.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
import unicodedata
import warnings
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from tree_sitter import Node

from worker.analyzers.engine import Scope

# -- what the engine must collect for this module ------------------------------------------------

OPERATOR_NODES = frozenset({"binary_operator", "unary_operator", "not_operator",
                            "boolean_operator", "comparison_operator", "augmented_assignment",
                            "union_type",  # `list[int] | None` in an annotation
                            "chevron"})  # `print >> f, x`: Python 3 reads a `>>` there
DECISION_NODES = frozenset({"if_statement", "elif_clause", "conditional_expression",
                            "for_statement", "while_statement", "try_statement",
                            "assert_statement", "match_statement", "for_in_clause", "if_clause",
                            "boolean_operator"})
# nodes whose brackets (or backslashes, or multi-line strings) join physical lines into one
# logical line: an expression never spans two logical lines, so these nodes' rows are one group
JOINING_NODES = frozenset({"argument_list", "parameters", "list", "tuple", "subscript",
                           "dictionary", "parenthesized_expression", "list_comprehension",
                           "generator_expression", "import_from_statement", "set",
                           "dictionary_comprehension", "type_parameter", "set_comprehension",
                           "tuple_pattern", "list_pattern", "class_pattern", "dict_pattern",
                           "with_clause", "parenthesized_list_splat", "line_continuation",
                           "string", "concatenated_string"})
STRUCTURE_NODES = frozenset({"function_definition", "class_definition", "decorated_definition",
                             "case_clause", "comment", ":", ";"})
EXTRAS = frozenset({"comment", "line_continuation"})  # tree-sitter puts them anywhere
COLLECT = OPERATOR_NODES | DECISION_NODES | JOINING_NODES | STRUCTURE_NODES

# ast's operator class names, which radon counts as distinct operators
BINARY = {"+": "Add", "-": "Sub", "*": "Mult", "@": "MatMult", "/": "Div", "%": "Mod",
          "**": "Pow", "<<": "LShift", ">>": "RShift", "|": "BitOr", "^": "BitXor",
          "&": "BitAnd", "//": "FloorDiv"}
UNARY = {"-": "USub", "+": "UAdd", "~": "Invert", "not": "Not"}
BOOLEAN = {"and": "And", "or": "Or"}
COMPARE = {"==": "Eq", "!=": "NotEq", "<": "Lt", "<=": "LtE", ">": "Gt", ">=": "GtE",
           "is": "Is", "is not": "IsNot", "in": "In", "not in": "NotIn", "<>": "NotEq"}

# frame kinds of the sweep (what encloses a node, from outside in)
F_HEAD, F_BODY, C_HEAD, C_BODY, F_DECORATORS, C_DECORATORS, ASSERT, LAMBDA = range(8)
CC_CHAINS = frozenset({(), ("F",), ("C",), ("C", "F")})  # where radon's total counts decisions
METHOD = ("C", "F")

# a frame: (start byte, end byte, kind, function name, the bucket of the scope it measures)
Frame = tuple[int, int, int, "str | None", "Bucket | None"]
# what holds inside a frame: (HalsteadVisitor visits it, ComplexityVisitor visits it, chain of
# enclosing function (F) and class (C) bodies, radon's operand context: the innermost function's
# name, buckets of the measured functions it is part of)
State = tuple[bool, bool, tuple[str, ...], "str | None", tuple["Bucket", ...]]
ROOT: State = (True, True, (), None, ())


@dataclass(slots=True)
class Bucket:
    """Operators and operands one radon visitor has seen."""

    operators: list[str] = field(default_factory=list)
    operands: list[object] = field(default_factory=list)


@dataclass
class RadonCounts:
    """radon's view of one file: Halstead totals, per-scope Halstead, the inputs of its MI."""

    file: Bucket
    scopes: dict[int, Bucket]  # id(Scope) -> its Halstead
    complexity: int
    sloc: int
    lloc: int
    comments: int
    multi: int


def measure(src: bytes, collected: dict[str, list[Node]], scopes: list[Scope],
            fstrings: dict[str, list[Node]]) -> RadonCounts:
    """`collected`: what the engine's walk collected; `fstrings`: the nodes inside f-strings'
    replacement fields (`fstring_nodes`), which the walk does not enter."""
    file = Bucket()
    by_scope: dict[int, Bucket] = {}
    by_start: dict[int, Bucket] = {}
    frames: list[Frame] = []
    for scope in scopes:
        own = by_scope[id(scope)] = Bucket()
        if scope.node.type == "lambda":
            body = scope.node.child_by_field_name("body")
            if body is not None:
                frames.append((body.start_byte, body.end_byte, LAMBDA, None, own))
        else:
            by_start[scope.node.start_byte] = own
    frames.extend(_frames(collected, src, by_start))
    frames.sort(key=lambda frame: (frame[0], -frame[1]))

    targets: list[tuple[int, str, Node | None]] = []
    for kind in OPERATOR_NODES | DECISION_NODES:
        targets.extend((node.start_byte, kind, node) for node in collected.get(kind, ()))
        targets.extend((node.start_byte, kind, node) for node in fstrings.get(kind, ()))
    # by start, an outer node before the nodes inside it that start with it (`a and b and c`)
    targets.sort(key=lambda target: (target[0], -target[2].end_byte))  # type: ignore[union-attr]

    guards = {guard.start_byte for case in collected.get("case_clause", ())
              if (guard := case.child_by_field_name("guard")) is not None}
    complexity = 1
    merged: set[tuple[int, int]] = set()  # inner boolean operators folded into an outer one
    ends: list[int] = []  # the stack of open frames: their ends and the states inside them
    states: list[State] = []
    state = ROOT
    position = 0
    count = len(frames)
    targets.append((len(src) + 1, "", None))  # the end: methods after the last target count too
    for start, kind, node in targets:
        while position < count and frames[position][0] <= start:
            frame_start, frame_end, frame_kind, name, bucket = frames[position]
            position += 1
            while ends and ends[-1] <= frame_start:
                ends.pop()
                states.pop()
            halstead, cc, chain, context, buckets = states[-1] if states else ROOT
            if frame_end <= start and frame_kind != C_BODY:  # holds no target: no state needed
                if frame_kind == F_BODY and cc and (*chain, "F") == METHOD:
                    complexity += 1  # a method: see below
                while position < count and frames[position][0] < frame_end:
                    position += 1  # nor does what it holds, and no method is in it
                continue
            if frame_kind == F_BODY:
                chain = (*chain, "F")
                if bucket is not None:
                    buckets = (*buckets, bucket)
                if cc and chain == METHOD:
                    complexity += 1  # a method adds 1 to radon's total, a function does not
                context = name
            elif frame_kind == C_BODY:
                chain = (*chain, "C")
            elif frame_kind == LAMBDA:
                if bucket is not None:
                    buckets = (*buckets, bucket)
            elif frame_kind in (F_HEAD, F_DECORATORS):
                halstead = cc = False  # radon visits neither
            else:  # class head and decorators, assert: only the complexity visitor skips them
                cc = False
            ends.append(frame_end)
            states.append((halstead, cc, chain, context, buckets))
        if node is None:
            break
        while ends and ends[-1] <= start:
            ends.pop()
            states.pop()
        state = states[-1] if states else ROOT
        if state[1] and kind in DECISION_NODES and state[2] in CC_CHAINS and \
                (kind != "if_clause" or start not in guards):  # a case guard is no comprehension
            complexity += _decisions(node, kind)
        if state[0] and kind in OPERATOR_NODES:
            _count(node, kind, src, state, file, merged)

    sloc, lloc, multi = _raw(src, collected)
    return RadonCounts(file=file, scopes=by_scope, complexity=complexity, sloc=sloc, lloc=lloc,
                       comments=len(collected.get("comment", ())), multi=multi)


# -- where a node is: frames ---------------------------------------------------------------------


def _frames(collected: dict[str, list[Node]], src: bytes,
            buckets: dict[int, Bucket]) -> list[Frame]:
    frames: list[Frame] = []
    for node in collected.get("function_definition", ()):
        body = node.child_by_field_name("body")
        if body is None:
            continue
        name_node = node.child_by_field_name("name")
        name = src[name_node.start_byte:name_node.end_byte].decode("utf-8", "replace") \
            if name_node is not None else ""
        start = node.start_byte
        body_start = body.start_byte
        frames.append((start, body_start, F_HEAD, None, None))
        frames.append((body_start, node.end_byte, F_BODY, name, buckets.get(start)))
    for node in collected.get("class_definition", ()):
        body = node.child_by_field_name("body")
        if body is None:
            continue
        frames.append((node.start_byte, body.start_byte, C_HEAD, None, None))
        frames.append((body.start_byte, node.end_byte, C_BODY, None, None))
    for node in collected.get("decorated_definition", ()):
        definition = node.child_by_field_name("definition")
        if definition is None:
            continue
        kind = F_DECORATORS if definition.type == "function_definition" else C_DECORATORS
        frames.append((node.start_byte, definition.start_byte, kind, None, None))
    for node in collected.get("assert_statement", ()):
        # from just after `assert`: the statement itself counts, what it holds does not
        frames.append((node.start_byte + 1, node.end_byte, ASSERT, None, None))
    return frames


# -- cyclomatic complexity -----------------------------------------------------------------------


def _decisions(node: Node, kind: str) -> int:
    if kind in ("for_statement", "while_statement"):
        return 1 + (node.child_by_field_name("alternative") is not None)
    if kind == "try_statement":
        handlers = otherwise = 0
        for child in node.children:
            if child.type == "except_clause":
                if any(c.type == "*" for c in child.children[:2]):
                    return 0  # `except*`: radon 6 does not count TryStar
                handlers += 1
            elif child.type == "except_group_clause":
                return 0
            elif child.type == "else_clause":
                otherwise = 1
        return handlers + otherwise
    if kind == "match_statement":
        cases = _match_cases(node)
        catch_all = any(_is_catch_all(case) for case in cases)
        return max(0, len(cases) - catch_all)
    return 1  # if, elif, ternary, and/or, assert, comprehension `for`


def _match_cases(node: Node) -> list[Node]:
    body = node.child_by_field_name("body")
    holder = body if body is not None else node
    return [c for c in holder.named_children if c.type == "case_clause"]


def _is_catch_all(case: Node) -> bool:
    """`case _:` or `case name:` (ast's MatchAs without a pattern), with or without a guard."""
    patterns = [c for c in case.named_children if c.type == "case_pattern"]
    if len(patterns) != 1:
        return False
    pattern = patterns[0]
    if pattern.named_child_count == 0:
        return pattern.child_count == 1 and pattern.children[0].type == "_"
    inner = pattern.named_children[0]
    return inner.type == "dotted_name" and inner.named_child_count == 1


# -- Halstead ------------------------------------------------------------------------------------


def _count(node: Node, kind: str, src: bytes, state: State, file: Bucket,
           merged: set[tuple[int, int]]) -> None:
    context = state[3]
    if kind == "binary_operator":
        operator = node.child_by_field_name("operator")
        names = [BINARY.get(operator.type, operator.type) if operator is not None else "?"]
        operands = [node.child_by_field_name("left"), node.child_by_field_name("right")]
    elif kind in ("unary_operator", "not_operator"):
        operator = node.child_by_field_name("operator")
        names = [UNARY.get(operator.type, operator.type) if operator is not None else "Not"]
        operands = [node.child_by_field_name("argument")]
    elif kind == "augmented_assignment":
        operator = node.child_by_field_name("operator")
        symbol = operator.type[:-1] if operator is not None else "?"
        names = [BINARY.get(symbol, symbol)]
        operands = [node.child_by_field_name("left"), node.child_by_field_name("right")]
    elif kind == "boolean_operator":
        if (node.start_byte, node.end_byte) in merged:
            return
        operator = node.child_by_field_name("operator")
        symbol = operator.type if operator is not None else "?"
        names = [BOOLEAN.get(symbol, symbol)]
        operands = []
        current = node
        while True:  # ast folds `a and b and c` into one BoolOp; tree-sitter nests it leftwards
            operands.append(current.child_by_field_name("right"))
            left = current.child_by_field_name("left")
            if left is None or left.type != "boolean_operator":
                operands.append(left)
                break
            inner = left.child_by_field_name("operator")
            if inner is None or inner.type != symbol:
                operands.append(left)
                break
            merged.add((left.start_byte, left.end_byte))
            current = left
    elif kind == "chevron":  # tree-sitter's Python 2 `print >>f, x`: BinOp(print >> f)
        names = ["RShift"]
        target = [c for c in node.named_children if c.type not in EXTRAS][:1]
        keys = [(context, "print"), *((context, _operand_value(o, src)) for o in target)]
        _add(state, file, names, keys)
        return
    elif kind == "union_type":
        names = ["BitOr"]
        operands = [c for c in node.named_children if c.type not in EXTRAS]
    else:  # comparison_operator
        names = []
        operands = []
        for child in node.children:
            if child.is_named:
                if child.type not in EXTRAS:
                    operands.append(child)
            else:
                names.append(COMPARE.get(child.type, child.type))
    _add(state, file, names, [(context, _operand_value(operand, src)) for operand in operands])


def _add(state: State, file: Bucket, names: list[str], keys: Sequence[object]) -> None:
    file.operators.extend(names)
    file.operands.extend(keys)
    for bucket in state[4]:
        bucket.operators.extend(names)
        bucket.operands.extend(keys)


def _operand_value(node: Node | None, src: bytes) -> object:
    """What radon keys an operand by: an identifier's name, an attribute's last name, a
    constant's value; for anything else the node itself (a new object: always distinct)."""
    while node is not None and node.type in ("parenthesized_expression", "type"):
        inner = [c for c in node.named_children if c.type not in EXTRAS]
        node = inner[0] if len(inner) == 1 else None
    if node is None:
        return object()
    kind = node.type
    if kind == "member_type":  # `a.b` in an annotation: an Attribute
        last = node.named_children[-1]
        return _identifier(src[last.start_byte:last.end_byte])
    if kind == "identifier":
        return _identifier(src[node.start_byte:node.end_byte])
    if kind == "attribute":
        attribute = node.child_by_field_name("attribute")
        return _identifier(src[attribute.start_byte:attribute.end_byte]) \
            if attribute is not None else object()
    if kind in ("integer", "float", "string", "concatenated_string"):
        return _literal(src[node.start_byte:node.end_byte], kind == "concatenated_string")
    if kind == "true":
        return True
    if kind == "false":
        return False
    if kind == "none":
        return None
    if kind == "ellipsis":
        return ...
    return object()


def _identifier(text: bytes) -> str:
    name = text.decode("utf-8", "replace")
    return name if name.isascii() else unicodedata.normalize("NFKC", name)  # as Python does


_NOT_CONSTANT = object()


@lru_cache(maxsize=65536)
def _literal_cached(text: bytes, parenthesize: bool) -> object:
    source = text.decode("utf-8", "replace")
    if parenthesize:
        source = f"({source})"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences in old code
            tree = ast.parse(source.strip(), mode="eval")
    except (SyntaxError, ValueError):
        return _NOT_CONSTANT
    if isinstance(tree.body, ast.Constant):
        return tree.body.value
    return _NOT_CONSTANT  # an f-string (JoinedStr): a new operand each time


def _literal(text: bytes, parenthesize: bool) -> object:
    if text.isdigit():
        return int(text)  # the common case, without a parse
    quote = text[:1]
    if not parenthesize and (quote == b'"' or quote == b"'") and b"\\" not in text and \
            text[1:2] != quote:
        return text[1:-1].decode("utf-8", "replace")  # a plain one-line string
    value = _literal_cached(text, parenthesize)
    return object() if value is _NOT_CONSTANT else value


def fstring_nodes(src: bytes, strings: list[Node]) -> dict[str, list[Node]]:
    """Every node inside the replacement fields of the f-strings among `strings`, by type, in
    source order: the engine measures a string as one token and does not descend into it, but
    `f"{a + b if c else d}"` holds an operator and a decision for radon, lizard and Sonar."""
    found: dict[str, list[Node]] = {}
    for string in strings:
        start = string.start_byte
        quote = src[start]
        if quote == 34 or quote == 39:  # " or ': no prefix, the common case
            continue
        prefix = src[start:start + 3]
        if b"f" not in prefix and b"F" not in prefix:
            continue
        stack = [c for c in reversed(string.children) if c.type == "interpolation"]
        while stack:
            node = stack.pop()
            found.setdefault(node.type, []).append(node)
            stack.extend(reversed(node.children))
    return found


# -- raw line counts -----------------------------------------------------------------------------

_SPACE = rb"[ \t\r\x0b\x0c]*"  # what bytes.strip() strips, but newlines
# a line starting with code or with a comment, matched from the newline before it (fast: the
# regex engine looks for the newline first); the text searched starts with an extra newline
CODE_FIRST = re.compile(rb"\n" + _SPACE + rb"[^ \t\r\x0b\x0c\n#]")
COMMENT_FIRST = re.compile(rb"\n" + _SPACE + rb"#")
LINE_END = re.compile(_SPACE + rb"(?:#[^\n]*)?(?:\n|\Z)")  # nothing more on the line but a comment
CONTINUATION = re.compile(rb"\\\r?\n")


def _raw(src: bytes, collected: dict[str, list[Node]]) -> tuple[int, int, int]:
    """(sloc, lloc, multi) as radon/raw.py `analyze` counts them.

    Lines are known by byte offsets: a group (tokenize's logical line spanning several physical
    lines) is the byte range from the start of its first line to the newline ending its last."""
    find = src.find
    rfind = src.rfind
    size = len(src)
    spans: list[tuple[int, int]] = []
    for kind in JOINING_NODES:
        if kind == "string":
            continue
        for node in collected.get(kind, ()):
            start = node.start_byte
            end = node.end_byte
            if find(b"\n", start, end) >= 0:
                line_end = find(b"\n", end)
                spans.append((rfind(b"\n", 0, start) + 1, line_end if line_end >= 0 else size))
    lone: list[tuple[int, int, int, int]] = []  # strings alone on their lines
    for string in collected.get("string", ()):
        start = string.start_byte
        end = string.end_byte
        line_start = rfind(b"\n", 0, start) + 1
        line_end = -1
        if find(b"\n", start, end) >= 0:
            line_end = find(b"\n", end)
            if line_end < 0:
                line_end = size
            spans.append((line_start, line_end))
        if src[line_start:start].strip():
            continue  # code before it on its line: the common case
        if line_end < 0:
            line_end = find(b"\n", end)
            if line_end < 0:
                line_end = size
        if not src[end:line_end].strip():
            lone.append((start, end, line_start, line_end))
    if b"\\\n" in src or b"\\\r\n" in src:  # backslash continuations: not all have a node
        spans.extend(_continuations(src, collected.get("comment", [])))
    spans.sort()
    starts: list[int] = []
    ends: list[int] = []
    for first, last in spans:
        if ends and first <= ends[-1]:
            if last > ends[-1]:
                ends[-1] = last
        else:
            starts.append(first)
            ends.append(last)

    def group(position: int) -> int:
        """The group holding a byte, or -1 for a line that is a logical line on its own."""
        index = bisect_right(starts, position) - 1
        return index if index >= 0 and position <= ends[index] else -1

    text = b"\n" + src  # text[i + 1] is src[i]; text[i] is the newline before a line at i
    code_first = len(CODE_FIRST.findall(text))
    comment_first = len(COMMENT_FIRST.findall(text))
    code_first_in_groups = comment_first_in_groups = 0
    for first, last in zip(starts, ends, strict=True):
        code_first_in_groups += len(CODE_FIRST.findall(text, first, last + 1))
        comment_first_in_groups += len(COMMENT_FIRST.findall(text, first, last + 1))

    lone_strings = multi = 0
    for start, _end, line_start, line_end in lone:
        index = group(start)
        if index < 0:
            lone_strings += 1  # a one-line docstring: neither code nor a comment for radon
        elif starts[index] == line_start and ends[index] == line_end:
            multi += len(CODE_FIRST.findall(text, line_start, line_end + 1)) + \
                len(COMMENT_FIRST.findall(text, line_start, line_end + 1))
    lone_comments = comment_first - comment_first_in_groups
    sloc = code_first + comment_first - lone_comments - lone_strings - multi

    # LLOC: 1 per logical line with code, 2 where its last `:` is followed by more code
    lloc = code_first - code_first_in_groups + len(starts)
    semicolons = {_line_of(s.start_byte, group, rfind) for s in collected.get(";", ())}
    with_colon: set[int] = set()
    finished = 0  # logical lines whose last `:` ends them
    match_end = LINE_END.match
    for colon in collected.get(":", ()):
        start = colon.start_byte
        index = bisect_right(starts, start) - 1  # group(start), inlined: this loop is hot
        if index >= 0 and start <= ends[index]:
            line = -1 - index
        else:
            index = -1
            line = rfind(b"\n", 0, start) + 1
        if semicolons and line in semicolons:
            continue
        with_colon.add(line)
        end = colon.end_byte
        if match_end(src, end) is not None:  # nothing follows on its line
            line_end = find(b"\n", end)
            if index < 0 or (line_end if line_end >= 0 else size) == ends[index]:
                finished += 1
    lloc += len(with_colon) - finished
    for line in semicolons:
        first, last = (starts[-line - 1], ends[-line - 1]) if line < 0 else \
            (line, find(b"\n", line) if find(b"\n", line) >= 0 else size)
        lines = "\n".join(part.strip().decode("utf-8", "replace")
                          for part in src[first:last].split(b"\n"))
        lloc += _logical_lines(lines) - 1
    return sloc, lloc, multi


def _line_of(position: int, group: Callable[[int], int], rfind: Callable[..., int]) -> int:
    """A logical line's key: -1 - its group's index, or the start of its single line."""
    index = group(position)
    return -1 - index if index >= 0 else rfind(b"\n", 0, position) + 1


def _continuations(src: bytes, comments: list[Node]) -> list[tuple[int, int]]:
    """Lines ending in a backslash outside a comment join the next line."""
    comment_starts = [c.start_byte for c in comments]
    comment_ends = [c.end_byte for c in comments]
    spans = []
    for match in CONTINUATION.finditer(src):
        position = match.start()
        index = bisect_right(comment_starts, position) - 1
        if index >= 0 and position < comment_ends[index]:
            continue  # a backslash ending a comment
        line_end = src.find(b"\n", match.end())
        if line_end >= 0 and not src[match.end():line_end].strip():
            # continued into a blank line: radon's tokenizer, fed the lines stripped, reaches
            # the end of its text inside the statement and takes the next line in as well
            line_end = src.find(b"\n", line_end + 1)
        spans.append((src.rfind(b"\n", 0, position) + 1, line_end if line_end >= 0 else len(src)))
    return spans


def _logical_lines(text: str) -> int:
    """radon/raw.py `_logical` for one group of lines (used for lines with `;`, which are rare)."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return 1
    parts: list[list[tokenize.TokenInfo]] = [[]]
    for token in tokens:
        if token.type == tokenize.OP and token.string == ";":
            parts.append([])
        else:
            parts[-1].append(token)
    count = 0
    for part in parts:
        kept = [t for t in part if t.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE)]
        colons = [i for i, t in enumerate(kept) if t.type == tokenize.OP and t.string == ":"]
        if colons:
            count += 2 - (colons[-1] == len(kept) - 2)
        elif any(t.type != tokenize.ENDMARKER for t in kept):
            count += 1
    return count
