"""Macros tree-sitter cannot parse, rewritten before a second parse of a C or C++ file.

tree-sitter does not preprocess: a macro standing where C has no room for one (an export macro
in a class head, a statement macro without `;`, a macro call inside a string concatenation)
turns a stretch of the file, sometimes all of it, into an ERROR, while lizard, which reads
tokens, reads through it. When a file's parse has errors, `repair` rewrites those macros with
regular expressions; the analyzer keeps the second parse when it has fewer errors. Every rewrite
keeps the length of what it replaces and its newlines, so every offset and line stays where it
was. Nothing here knows about metrics.
"""

from __future__ import annotations

import re

from tree_sitter import Node, Parser, Point, Tree

# A line holding only a macro call (`FMT_BEGIN_NAMESPACE`, `SECTION("x")`): an empty statement
# (at the start of a line before a body, `TEST_CASE("x") {`, it loses its string arguments to
# become a function head instead).
# The patterns matching at the start of a line begin with a newline (the source is scanned with
# one in front): a literal first character lets the regular expression engine skip ahead fast.
_MACRO_CALL = rb"[A-Z_][A-Z0-9_]+(?:[ \t]*\((?:[^()\n]|\((?:[^()\n]|\([^()\n]*\))*\))*\))?"
_LONE_MACRO = re.compile(rb"\n[ \t]*(" + _MACRO_CALL + rb")[ \t]*(?://[^\n]*)?(?=\n)")
_MACRO_CALL_ONLY = re.compile(_MACRO_CALL)
# Macros between `class` and the class name: `class LEVELDB_EXPORT Cache {`.
_CLASS_MACROS = [re.compile(keyword + rb"((?:[ \t]+[A-Z][A-Z0-9_]*)+)[ \t\n]+"
                            rb"(?=[A-Za-z_]\w*[ \t\n]*(?:final\b[ \t\n]*)?(?:\{|:(?!:)|<))")
                 for keyword in (b"class", b"struct", b"union")]  # a literal start is fast
# Macros before a declaration: `LUA_API int lua_gettop(...)`, `FMT_CONSTEXPR rgb() : r(0) {}`.
_PREFIX_MACRO = re.compile(rb"\n[ \t]*(?:(?:static|inline|extern|virtual|explicit|constexpr|"
                           rb"friend)[ \t]+)*((?:[A-Z_][A-Z0-9_]+(?:\([^()\n]*\))?[ \t]+)+)"
                           rb"(?=[A-Za-z_~])")
# A block comment inside a #define that goes on after it: tree-sitter ends the macro there.
_DEFINE = re.compile(rb"\n[ \t]*#[ \t]*define\b(?:[^\n\\]|\\.)*", re.S)
_BLOCK_COMMENT = re.compile(rb"/\*.*?\*/", re.S)
# A macro ending a line after a statement: `k ^= t[2] << 16; JEMALLOC_FALLTHROUGH`.
_TRAILING_MACRO = re.compile(rb"(?m);[ \t]*((?=[A-Z0-9_]*[A-Z])[A-Z_][A-Z0-9_]*_[A-Z0-9_]*)"
                             rb"[ \t]*$")
# A macro call on a string inside a string concatenation: `"<name> or " LUA_QL("...") "x"`.
_STRING_MACRO = re.compile(rb'\b[A-Z_][A-Z0-9_]*\([ \t]*"(?:[^"\\\n]|\\.)*"[ \t]*\)')
# A macro call at the start of a line, over one line or several, with nothing after it:
# `CTL_RO_NL_GEN(opt_abort, opt_abort,\n    bool)` or `rb_gen(static, tree_, ...)`, or with
# a `;` when its name is upper-case: `DEFINE_DEFAULT(unsigned char, '\0');`.
_COLUMN0_CALL = re.compile(rb"\n([A-Za-z_]\w*)[ \t]*\(")
# Conditional directives; a group of them standing inside a declaration or an expression
# (`char buf[\n#ifdef X\n PATH_MAX +\n#endif\n 1];`, an attribute between a template head and
# its function) is blanked: both branches are read, as lizard reads them.
_CONDITIONAL = re.compile(rb"\n[ \t]*#[ \t]*(if|ifdef|ifndef|elif|else|endif)\b"
                          rb"(?:[^\n\\]|\\.)*", re.S)
_INSIDE = frozenset(b",([<=+-*/%|&^?:!~>")  # a line ending so is not the end of anything
# A macro standing for a template parameter: `template <typename T, FMT_ENABLE_IF(cond)>`.
_TEMPLATE = re.compile(rb"template[ \t\n]*<")
_PARAMETER_MACRO = re.compile(rb"[<,][ \t\n]*([A-Z][A-Z0-9_]+)[ \t]*\(")
_KEYWORDS = frozenset({b"if", b"for", b"while", b"switch", b"return", b"sizeof", b"do", b"case",
                       b"else", b"typedef", b"static", b"extern", b"struct", b"union", b"enum",
                       b"void", b"int", b"char", b"long", b"short", b"unsigned", b"signed",
                       b"float", b"double", b"const", b"inline", b"template", b"namespace",
                       b"class", b"using", b"decltype", b"alignas", b"static_assert"})
_COMMENT_AT_END = re.compile(rb"(?://[^\n]*|/\*(?:(?!\*/).)*\*/[ \t]*)$")
_AFTER_LONE_MACRO = frozenset(b",);.+-*/%|&^?:=<>[")  # the line continues an expression
_BEFORE_LONE_MACRO = frozenset(b";{})>:")  # a previous line that ends a statement or a head


class Rewrite:
    """A source being rewritten in place, with the spans changed (for an incremental parse)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.out = bytearray(data)
        self.spans: list[tuple[int, int]] = []
        # lines (1-based) of the `#if`, `#ifdef` and `#elif` blanked: lizard counts them
        self.conditions: list[int] = []

    def __setitem__(self, span: slice, text: bytes) -> None:
        start, end = span.start, span.stop
        assert len(text) == end - start and text.count(b"\n") == \
            self.data.count(b"\n", start, end)
        self.out[start:end] = text
        self.spans.append((start, end))

    def reparse(self, parser: Parser, tree: Tree) -> tuple[Tree, bytes]:
        """The rewritten source parsed again, reusing what did not change of `tree`."""
        text = bytes(self.out)
        edited = tree.copy()
        row = line_start = previous = 0
        for start, end in sorted(self.spans):
            row += self.data.count(b"\n", previous, start)
            line_start = self.data.rfind(b"\n", 0, start) + 1
            first = Point(row, start - line_start)
            last_row = row + self.data.count(b"\n", start, end)
            last = Point(last_row, end - (self.data.rfind(b"\n", 0, end) + 1))
            edited.edit(start, end, end, first, last, last)
            previous = start
        return parser.parse(text, edited), text


def repair(data: bytes) -> Rewrite:
    """The source with the macros tree-sitter chokes on rewritten, same length."""
    out = Rewrite(data)
    lines = b"\n" + data + b"\n"  # offsets in `lines` are one more than in `data`
    for pattern in _CLASS_MACROS:
        for match in pattern.finditer(data):
            if match.start() == 0 or not _word(data[match.start() - 1]):
                start, end = match.span(1)
                out[start:end] = b" " * (end - start)
    for match in _DEFINE.finditer(lines):
        text = match.group()
        if b"\\\n" in text and b"/*" in text:
            for comment in _BLOCK_COMMENT.finditer(text):
                start = match.start() + comment.start() - 1
                end = match.start() + comment.end() - 1
                out[start:end] = re.sub(rb"[^\n]", b" ", data[start:end])
    for match in _PREFIX_MACRO.finditer(lines):
        start, end = match.start(1) - 1, match.end(1) - 1
        if _upper(data, start, end):
            out[start:end] = b" " * (end - start)
    for match in _STRING_MACRO.finditer(data):
        start, end = match.span()
        before = data[max(0, start - 80):start].rstrip(b" \t")
        if before.endswith(b'"') or data[end:end + 80].lstrip(b" \t").startswith(b'"'):
            out[start:end] = b'"' + b" " * (end - start - 2) + b'"'  # a string as long
    for match in _COLUMN0_CALL.finditer(lines):
        if match.group(1) in _KEYWORDS:
            continue
        start = match.start(1) - 1
        end = _closing_paren(data, match.end() - 2)
        if end < 0:
            continue
        line_end = data.find(b"\n", end)
        rest = data[end:line_end if line_end >= 0 else len(data)]
        if rest.lstrip().startswith(b";") and _upper(data, start, end) and \
                not _COMMENT_AT_END.sub(b"", rest.strip()[1:]).strip():
            # `GMOCK_DEFINE_DEFAULT_ACTION_FOR_RETURN_TYPE_(unsigned char, '\0');`: a macro
            # declaring things at the top level, with types or nothing for arguments
            end += rest.index(b";") + 1
            rest = b""
        elif b"\n" not in data[start:end]:
            continue  # single-line calls are the lone macros below
        following = _next_text(data, end)
        if rest.strip() or (following[:1] in b"{;,:=(" and data[end - 1] != 59) or \
                _continues_expression(data, start, end):
            continue
        # an empty statement on each of its lines, so that they stay code lines
        out[start:end] = b"\n".join(_statement_as_long(line)
                                    for line in data[start:end].split(b"\n"))
    for match in _TEMPLATE.finditer(data):
        if match.start() > 0 and _word(data[match.start() - 1]):
            continue
        end = _closing_angle(data, match.end() - 1)
        for parameter in _PARAMETER_MACRO.finditer(data, match.end() - 1, end):
            start, name_end = parameter.span(1)
            if name_end - start >= 5 and 0 < _closing_paren(data, parameter.end() - 1) <= end:
                # an unnamed parameter defaulting to the macro's arguments: `int = (cond)`
                out[start:name_end] = b"int =" + b" " * (name_end - start - 5)
    for match in _TRAILING_MACRO.finditer(data):
        start, end = match.span(1)
        out[start:end] = b";" + b" " * (end - start - 1)
    for match in _LONE_MACRO.finditer(lines):
        start, end = match.start(1) - 1, match.end(1) - 1
        if not _upper(data, start, end):
            continue
        if _heads_body(data, start, end):
            # `TEST_CASE("x") {`: a function head once its arguments are gone
            open_at = data.find(b"(", start, end)
            if open_at > 0 and b'"' in data[open_at:end]:
                out[open_at + 1:end - 1] = b" " * (end - open_at - 2)
        elif not _continues_expression(data, start, end):
            out[start:end] = b";" + b" " * (end - start - 1)
    _blank_inner_conditionals(data, lines, out)
    return out


def _blank_inner_conditionals(data: bytes, lines: bytes, out: Rewrite) -> None:
    groups: list[list[tuple[int, int, bytes]]] = []
    stack: list[list[tuple[int, int, bytes]]] = []
    inner: list[bool] = []
    for match in _CONDITIONAL.finditer(lines):
        start, end = match.start(), match.end() - 1  # the line, in `data`'s offsets
        word = match.group(1)
        if word in (b"if", b"ifdef", b"ifndef"):
            previous = _COMMENT_AT_END.sub(b"", _previous_code_line(data, start)).rstrip()
            stack.append([(start, end, word)])
            inner.append(bool(previous) and previous[-1] in _INSIDE)
        elif stack:
            stack[-1].append((start, end, word))
            if word == b"endif":
                group = stack.pop()
                if inner.pop():
                    groups.append(group)
    for group in groups:
        for start, end, word in group:
            out[start:end] = re.sub(rb"[^\n]", b" ", data[start:end])
            if word in (b"if", b"ifdef", b"elif"):
                out.conditions.append(data.count(b"\n", 0, start) + 1)


def _previous_code_line(data: bytes, line_start: int) -> bytes:
    """The last line before `line_start` that is neither blank nor a directive nor a comment."""
    end = line_start
    while end > 0:
        begin = data.rfind(b"\n", 0, end - 1) + 1
        line = data[begin:end].strip()
        if line and not line.startswith((b"#", b"//", b"/*", b"*")):
            return line
        end = begin
    return b""


def _statement_as_long(line: bytes) -> bytes:
    """`;` where the line's text starts, spaces elsewhere."""
    text = line.lstrip()
    if not text:
        return b" " * len(line)
    indent = len(line) - len(text)
    return b" " * indent + b";" + b" " * (len(text) - 1)


def _word(char: int) -> bool:
    """Whether a byte can be part of an identifier."""
    return char == 95 or 48 <= char <= 57 or 65 <= char <= 90 or 97 <= char <= 122


def _upper(data: bytes, start: int, end: int) -> bool:
    """Whether the macro name at `start` has an upper-case letter (`_1` is no macro name)."""
    name_end = start
    while name_end < end and (data[name_end] == 95 or 48 <= data[name_end] <= 57 or
                              65 <= data[name_end] <= 90):
        name_end += 1
    return any(65 <= c <= 90 for c in data[start:name_end])


def _closing_paren(data: bytes, start: int) -> int:
    """The offset after the `)` matching the `(` at `start`, -1 if none within 4 KiB."""
    depth = 0
    position = start
    limit = min(len(data), start + 4096)
    while position < limit:
        char = data[position]
        if char == 40:  # (
            depth += 1
        elif char == 41:  # )
            depth -= 1
            if depth == 0:
                return position + 1
        elif char in (34, 39):  # a string or character literal
            close = position + 1
            while close < limit and data[close] != char and data[close] != 10:
                close += 2 if data[close] == 92 else 1
            position = close
        position += 1
    return -1


def _closing_angle(data: bytes, start: int) -> int:
    """The offset of the `>` closing the template parameter list opening at `start` (nested
    angles and parentheses skipped), or `start` if none within 4 KiB."""
    depth = 0
    position = start
    limit = min(len(data), start + 4096)
    while position < limit:
        char = data[position]
        if char == 60:  # <
            depth += 1
        elif char == 62:  # >
            depth -= 1
            if depth == 0:
                return position
        elif char == 40:  # (: skip to its `)`, where `>` is a comparison
            close = _closing_paren(data, position)
            if close < 0:
                return start
            position = close - 1
        elif char in (59, 123):  # ; {
            return start
        position += 1
    return start


def _heads_body(data: bytes, start: int, end: int) -> bool:
    """A macro call at the start of a line, followed by a body: `TEST_CASE("x")` and `{`."""
    return (start == 0 or data[start - 1] == 10) and _next_text(data, end).startswith(b"{")


def _continues_expression(data: bytes, start: int, end: int) -> bool:
    """Whether a lone macro line is part of something else: a `#define`, an initializer list,
    an expression over several lines."""
    line_start = data.rfind(b"\n", 0, start) + 1
    previous = _previous_line(data, line_start)
    if previous.endswith(b"\\"):
        return True  # a continuation line of a #define
    last_line = _COMMENT_AT_END.sub(b"", previous).strip()
    if last_line and not last_line.startswith((b"#", b"//", b"/*", b"*")) and \
            last_line[-1] not in _BEFORE_LONE_MACRO and not _MACRO_CALL_ONLY.fullmatch(last_line):
        return True
    following = _next_text(data, end)
    return bool(following) and following[0] in _AFTER_LONE_MACRO and \
        not following.startswith((b"//", b"/*"))


def _previous_line(data: bytes, line_start: int) -> bytes:
    """The last line before `line_start` that is not blank, right-stripped."""
    end = line_start
    while end > 0:
        begin = data.rfind(b"\n", 0, end - 1) + 1
        line = data[begin:end].rstrip()
        if line:
            return line
        end = begin
    return b""


def _next_text(data: bytes, position: int) -> bytes:
    """What follows `position` after whitespace (a short window of it)."""
    while position < len(data) and data[position] in b" \t\r\n\f\v":
        position += 1
    return data[position:position + 8]


def error_count(root: Node) -> tuple[int, int]:
    """How much of a parse failed: how many ERROR and MISSING nodes (not inside one another),
    and how many lines they cover."""
    count = rows = 0
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            count += 1
            rows += node.end_point[0] - node.start_point[0] + 1
        elif node.has_error:
            stack.extend(node.children)
    return count, rows


def better(repaired: Node, original: Node) -> bool:
    """Whether the parse of the repaired source is the better one: fewer errors, or errors over
    far fewer lines (one ERROR swallowing a file against a few local ones)."""
    count, rows = error_count(repaired)
    original_count, original_rows = error_count(original)
    return count < original_count or rows * 2 < original_rows
