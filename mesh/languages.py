"""Which of codemesh's languages a file is written in — and, when it is not ours, why not.

Pure functions over tables kept as data: this module never does I/O (the caller reads the bytes:
the first `CONTENT_HEAD_SIZE`, and the last `CONTENT_TAIL_SIZE` when the file is longer), never
imports ZeroMQ, and never guesses silently: every answer says how it was reached (`DetectedBy`),
and a file named like one of our languages whose content says otherwise is reported with a reason
(`Detection.not_source`), not dropped. A file classified as language X is sent to workers that
analyze X, so a wrong answer costs a failed or bogus analysis.

The rules, in the order they apply (`classify`):

1. A name with an unambiguous extension (`.py`, `.c`, `.cpp`, `.tsx`, ...) is that language; its
   content is not read. Only `CONTENT_SNIFFED_EXTENSIONS` (`.h`, `.ts`, `.js`) and names without
   any extension are read, so detection stays cheap.
2. `.ts` that is not text: an MPEG transport stream (sync byte 0x47 every 188 bytes, or every 192
   bytes after a 4-byte timestamp as in M2TS, and control bytes a text file never has) is skipped
   as "not source: MPEG transport stream"; an XML file (Qt Linguist translations are `.ts` too) as
   "not source: XML ...". TypeScript is text, so it can never match, whatever its first letter.
3. An editor modeline overrides the extension, and classifies a name without one (before its
   `#!` line, so `#!/bin/sh` + `exec python` polyglots with `-*- python -*-` are Python):
   - Emacs: `-*- mode: c++ -*-` or `-*- C++ -*-` on the first line, or on the second after a `#!`
     line; else a `mode:` in a `Local Variables:` block in the last 3000 characters;
   - else Vim: `vim:`, `Vim:`, `vi:`, `ex:` (`vim600:` ...) after whitespace or at the start of a
     line, in the first or last 5 lines, setting `ft`/`filetype` (the last one wins), else
     `syn`/`syntax`; both forms, `vim: ft=c` and `vim: set ft=c:`.
   Editor names map to our languages through `MODELINE_NAMES` (case-insensitive; Emacs `-mode`
   and `-ts` suffixes and Vim's dotted compound types like `cpp.doxygen` are reduced first);
   generic modes (`fundamental`, `web`, `c-or-c++`, ...) decide nothing. Another name is
   another language: a `.h`/`.ts`/`.js` file is then skipped with reason "other language:
   modeline says NAME"; a name without extension is simply not ours.
4. `.h` by content (`header_language`), when no modeline decided: C++ if a C++-only construct
   appears outside comments and string literals, C if the header is C with `__cplusplus` guards
   or uses C-only syntax, else undecided (`Detection.tiebreak`).
5. An undecided `.h` takes the language of the C/C++ sources around it
   (`header_language_by_directory`, applied by the walk, which sees the tree); failing that it is
   C, as the extension says: a header without any C++ construct is valid C.
6. A name without extension and without a modeline: by the interpreter of its `#!` line
   (`INTERPRETERS`); an interpreter we do not analyze (sh, perl, ruby, ...) means not ours.

`.js` files stay JavaScript when they contain JSX (tree-sitter-javascript parses it), but their
`dialect` says "jsx" (`has_jsx`); `.jsx` is "jsx" and `.tsx` "tsx" by name.

The extension reference is lizard (pinned in pyproject.toml): every extension below is one whose
files lizard analyzes with the reader for that language (`lizard_languages/*.py`, `ext` lists;
lizard matches them case-insensitively), except the ones marked "lizard: no". For those, and for
files whose content overrides their name (a script without extension, a `.js` a modeline calls
TypeScript), the worker shows lizard a stand-in name (`worker.analysis.lizard_filename`), because
lizard would otherwise pick its reader by the name.
"""

from __future__ import annotations

import os.path
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from mesh.models import Language

EXTENSIONS: dict[str, Language] = {
    # Python. `.pyi` stubs are included, like TypeScript's `.d.ts` declaration files: both are
    # source a team maintains, and downstream stages can still tell them apart by path.
    ".py": "python",
    ".pyw": "python",  # lizard: no (Windows GUI scripts; plain Python)
    ".pyi": "python",  # lizard: no (stubs; plain Python syntax)
    ".go": "go",
    # C. lizard has one reader for C and C++ (CLikeReader). `.h` is the header of either: C is
    # what the name alone says, `classify` decides by modeline, content and directory.
    ".c": "c",
    ".h": "c",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".cxx": "cpp",
    ".c++": "cpp",  # lizard: no
    ".hh": "cpp",
    ".hpp": "cpp",
    ".hxx": "cpp",  # lizard: no
    ".h++": "cpp",  # lizard: no
    ".ipp": "cpp",  # lizard: no (inline implementation headers, e.g. Boost)
    # JavaScript. lizard reads `.jsx` with its TSX reader, which the worker accepts for JS.
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    # TypeScript; `foo.d.ts` ends in `.ts`, so declaration files are TypeScript too.
    ".ts": "typescript",
    ".mts": "typescript",  # lizard: no
    ".cts": "typescript",  # lizard: no
    ".tsx": "typescript",
    ".rs": "rust",
    ".java": "java",
}
"""Extension (lower case, with the dot) -> language. Looked up case-insensitively, as lizard does,
after `CASE_SENSITIVE_EXTENSIONS`."""

CASE_SENSITIVE_EXTENSIONS: dict[str, Language] = {
    # GCC and Clang compile `.C` as C++ and treat `.H` as a C++ header (lizard: C-like, any case).
    ".C": "cpp",
    ".H": "cpp",
}
"""Extensions whose case matters, checked before `EXTENSIONS`."""

INTERPRETERS: dict[str, Language] = {
    "python": "python",
    "pypy": "python",
    "node": "javascript",
    "nodejs": "javascript",
    # deno and bun run TypeScript as well, but a script without an extension gives no hint which
    # it is; JavaScript is the common case and lizard's JS reader copes with most TS syntax.
    "deno": "javascript",
    "bun": "javascript",
    "ts-node": "typescript",
    "ts-node-esm": "typescript",
    "ts-node-script": "typescript",
    "tsx": "typescript",
    "java": "java",  # JEP 330 single-file source programs: `#!/usr/bin/java --source 21`
    "rust-script": "rust",
    "tcc": "c",  # `#!/usr/bin/tcc -run`
}
"""Interpreter name in a `#!` line, without directory or version suffix -> language."""

SHEBANG_HEAD_SIZE = 256
"""How many leading bytes the `#!` rule needs to see: Linux reads at most 256 bytes of a `#!`
line (BINPRM_BUF_SIZE), so an interpreter named later than that would not run the script anyway."""

CONTENT_HEAD_SIZE = 8 * 1024
"""How many leading bytes `classify` should be given for a sniffed name: enough for modelines,
a `#!` line, the first packets of a transport stream, and the first declarations of a header
(its include guard, includes and usually its first `namespace` or `class`)."""

CONTENT_TAIL_SIZE = 4 * 1024
"""How many trailing bytes `classify` should be given (when the file is longer than the head):
Vim's last 5 lines and Emacs' `Local Variables:` block (Emacs searches the last 3000 characters).
The tail's first line is treated as cut off and ignored."""

CONTENT_SNIFFED_EXTENSIONS = frozenset({".h", ".ts", ".js"})
"""Extensions (compared in lower case) whose files are classified by content as well as by name;
names without any extension are sniffed too. Everything else is decided by its name alone."""

DIRECTORY_MAJORITY = Fraction(9, 10)
"""The share of a directory tree's C/C++ sources one language needs for its undecided `.h` files
to be classified as that language (`header_language_by_directory`)."""

DetectedBy = Literal["extension", "shebang", "modeline", "content", "directory"]
"""How a file's language was decided: `content` is the `.h` rule, `directory` its tiebreak."""

MODELINE_NAMES: dict[str, tuple[Language, str]] = {
    "c": ("c", ""),
    "cpp": ("cpp", ""), "c++": ("cpp", ""), "cxx": ("cpp", ""),
    "python": ("python", ""), "python3": ("python", ""), "python2": ("python", ""),
    "py": ("python", ""),
    "go": ("go", ""), "golang": ("go", ""),
    "javascript": ("javascript", ""), "js": ("javascript", ""), "js2": ("javascript", ""),
    "js3": ("javascript", ""), "ecmascript": ("javascript", ""),
    "javascriptreact": ("javascript", "jsx"), "jsx": ("javascript", "jsx"),
    "js-jsx": ("javascript", "jsx"), "js2-jsx": ("javascript", "jsx"),
    "rjsx": ("javascript", "jsx"), "javascript.jsx": ("javascript", "jsx"),
    "typescript": ("typescript", ""), "ts": ("typescript", ""),
    "typescriptreact": ("typescript", "tsx"), "tsx": ("typescript", "tsx"),
    "typescript.tsx": ("typescript", "tsx"),
    "rust": ("rust", ""), "rustic": ("rust", ""), "rs": ("rust", ""),
    "java": ("java", ""),
}
"""Editor file type / major mode name (lower case; Vim `ft`, Emacs mode without `-mode`) ->
(language, dialect). Any other name is a language we do not analyze."""

_C_FAMILY_VOTES: dict[str, Language] = {
    ext: lang for ext, lang in (*EXTENSIONS.items(), *CASE_SENSITIVE_EXTENSIONS.items())
    if lang in ("c", "cpp") and ext != ".h"
}
"""Extensions that vote in the `.h` directory tiebreak: every C/C++ one except `.h` itself."""


@dataclass(frozen=True)
class Detection:
    """What `classify` decided about one file.

    `language` None means not one of ours; then `not_source`, when set, is the reason to report
    (the name says it is ours, its content says it is not), and when empty the file is not ours
    by name and is ignored silently. `tiebreak` marks a `.h` that neither a modeline nor its
    content decided: `language` is the extension's "c", and the caller may apply
    `header_language_by_directory`.
    """

    language: Language | None
    detected_by: DetectedBy = "extension"
    dialect: str = ""
    not_source: str = ""
    tiebreak: bool = False


# `python3`, `python2.7`, `python3.13t` (free-threaded), `pypy3.10`, `node18` -> the base name.
_VERSIONED = re.compile(r"(?P<base>[a-z][a-z-]*?)-?(?:\d+(?:\.\d+)*t?)?")

# `env` options that take the following word as their argument (GNU coreutils and BSD env).
_ENV_OPTIONS_WITH_ARGUMENT = frozenset({"-u", "--unset", "-C", "--chdir", "-P"})


def language_for_name(name: str) -> Language | None:
    """The language of a file by its name's extension alone, or None.

    `name` may be a bare name or a path. Extensionless names (`Makefile`, `.bashrc`) give None.
    For `.h`, `.ts` and `.js` this is only what the name says: `classify` may decide otherwise.
    """
    ext = os.path.splitext(name)[1]
    if not ext:
        return None
    return CASE_SENSITIVE_EXTENSIONS.get(ext) or EXTENSIONS.get(ext.lower())


def has_extension(name: str) -> bool:
    """Whether `name` has an extension at all: files with an unknown one are never sniffed, because
    `notes.txt` or `run.sh` starting with `#!` is not source we analyze."""
    return bool(os.path.splitext(name)[1])


def needs_content(name: str) -> bool:
    """Whether `classify` looks at this file's bytes: names without extension, and the ambiguous
    extensions in `CONTENT_SNIFFED_EXTENSIONS` (`.H`, GCC's C++ header, is not ambiguous)."""
    ext = os.path.splitext(name)[1]
    if not ext:
        return True
    return ext not in CASE_SENSITIVE_EXTENSIONS and ext.lower() in CONTENT_SNIFFED_EXTENSIONS


def detect_language(name: str, head: bytes, tail: bytes | None = None) -> Language | None:
    """`classify(name, head, tail).language`."""
    return classify(name, head, tail).language


def classify(name: str, head: bytes = b"", tail: bytes | None = None) -> Detection:
    """The language of a file named `name` (a bare name or a path), by the rules in this module's
    docstring. `head` is the file's first `CONTENT_HEAD_SIZE` bytes (or all of it), `tail` its
    last `CONTENT_TAIL_SIZE` bytes when it is longer than `head`, else None. Neither is looked at
    unless `needs_content(name)`."""
    by_name = language_for_name(name)
    ext = os.path.splitext(name)[1].lower()
    if not needs_content(name):
        if by_name is None:
            return Detection(None)
        return Detection(by_name, dialect=_DIALECT_BY_EXTENSION.get(ext, ""))

    if ext == ".ts":
        reason = _not_typescript(head)
        if reason:
            return Detection(None, not_source=reason)
    if not ext and (b"\0" in head or b"\0" in (tail or b"")):
        return Detection(None)  # a binary (an ELF program has modeline-like strings)

    text_head = _decode(head)
    text_tail = _decode(tail) if tail is not None else None
    mode = modeline_filetype(text_head, text_tail)
    if mode is not None:
        named = MODELINE_NAMES.get(mode)
        if named is None:
            if by_name is None:
                return Detection(None)
            return Detection(None, not_source=f"other language: modeline says {mode}")
        language, dialect = named
        if language == "javascript" and not dialect and has_jsx(text_head):
            dialect = "jsx"
        return Detection(language, "modeline", dialect)

    if by_name is None:  # no extension: the `#!` line
        interpreted = _shebang_language(head)
        if interpreted is None:
            return Detection(None)
        dialect = "jsx" if interpreted == "javascript" and has_jsx(text_head) else ""
        return Detection(interpreted, "shebang", dialect)
    if ext == ".h":
        header = header_language(text_head)
        if header is None:
            return Detection(by_name, tiebreak=True)
        return Detection(header, "content")
    if ext == ".js":
        return Detection(by_name, dialect="jsx" if has_jsx(text_head) else "")
    return Detection(by_name)


_DIALECT_BY_EXTENSION = {".jsx": "jsx", ".tsx": "tsx"}


def _decode(data: bytes) -> str:
    text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --- shebang ----------------------------------------------------------------------------------


def _shebang_language(head: bytes) -> Language | None:
    interpreter = shebang_interpreter(head[:SHEBANG_HEAD_SIZE])
    if interpreter is None:
        return None
    match = _VERSIONED.fullmatch(interpreter.lower())
    return INTERPRETERS.get(match["base"]) if match else None


def shebang_interpreter(head: bytes) -> str | None:
    """The program a `#!` line runs, as a base name (`python3.11`, `node`), seeing through `env`
    and its options (`env -S node --flags`, `env -i VAR=1 python`); None without a `#!` line."""
    if not head.startswith(b"#!"):
        return None
    line = head[2:].split(b"\n", 1)[0].decode("utf-8", errors="replace")
    words = line.split()
    if not words:
        return None
    program = os.path.basename(words[0])
    if program != "env":
        return program
    rest = iter(words[1:])
    for word in rest:
        if word in _ENV_OPTIONS_WITH_ARGUMENT:
            next(rest, None)
        elif word.startswith("-S") and len(word) > 2:  # `-Snode --flags`
            return os.path.basename(word[2:])
        elif word.startswith("--split-string="):
            value = word.removeprefix("--split-string=")
            if value:
                return os.path.basename(value)
        elif word.startswith("-") or "=" in word:  # other options, `VAR=value` assignments
            continue
        else:
            return os.path.basename(word)
    return None


# --- `.ts` that is not TypeScript -------------------------------------------------------------

_TEXT_CONTROLS = frozenset(b"\t\n\v\f\r\x1b")
_MPEG_TS_SYNC = 0x47
_MPEG_TS_LAYOUTS = ((188, 0), (192, 4))  # (packet size, offset of the sync byte): TS, M2TS


def is_mpeg_transport_stream(head: bytes) -> bool:
    """Whether `head` (a file's first bytes) is an MPEG transport stream: the sync byte 0x47 at
    the start of every packet it holds (at least two of them), and binary (a NUL or another
    control byte that text does not contain: a packet's header bytes after the sync byte always
    have one in practice). Text, such as TypeScript that happens to have a `G` in those places,
    never qualifies."""
    if not _is_binary(head):
        return False
    for size, offset in _MPEG_TS_LAYOUTS:
        positions = range(offset, len(head), size)
        if len(positions) >= 2 and all(head[i] == _MPEG_TS_SYNC for i in positions):
            return True
    return False


def _is_binary(data: bytes) -> bool:
    return any(byte < 0x20 and byte not in _TEXT_CONTROLS for byte in data)


def _not_typescript(head: bytes) -> str:
    """Why a `.ts` file is not TypeScript, or ""."""
    if is_mpeg_transport_stream(head):
        return "not source: MPEG transport stream"
    text = _decode(head[:1024]).lstrip()
    if text.startswith(("<?xml", "<!DOCTYPE", "<TS")):  # no TypeScript starts like this
        if re.search(r"<!DOCTYPE\s+TS\b|<TS\b", text):
            return "not source: XML (Qt Linguist translation)"
        return "not source: XML"
    return ""


# --- modelines --------------------------------------------------------------------------------

_EMACS_PROP_LINE = re.compile(r"-\*-(.*?)-\*-")
_EMACS_LOCAL_VARIABLES = re.compile(r"Local Variables:", re.IGNORECASE)
_EMACS_LOCAL_VARIABLES_SCOPE = 3000  # characters from the end, as Emacs searches
_VIM_MODELINE = re.compile(r"(?:^|\s)(?:vi|vim(?:[<=>]?\d+)?|Vim|ex):\s*(?P<options>.*)")
_VIM_SET = re.compile(r"se(?:t)?\s+(?P<options>(?:[^:\\]|\\.)*)")
_VIM_OPTION = re.compile(r"(?P<name>ft|filetype|syn|syntax)=(?P<value>[A-Za-z0-9_.+-]+)")
_VIM_MODELINES = 5  # Vim's default 'modelines'
_MODE_NAME = re.compile(r"[a-z][a-z0-9+_.-]*")
_GENERIC_MODES = frozenset({"fundamental", "prog", "web", "c-or-c++", "conf"})
"""Editor modes that name no language (Emacs' `c-or-c++-mode` itself decides by content, and
`web-mode` edits JSX as well as HTML templates): such a modeline decides nothing."""


def modeline_filetype(head: str, tail: str | None = None) -> str | None:
    """The file type an editor modeline gives the file, lower case (`cpp`, `c++`, `objc`), or
    None without one. `head` is the start of the file (decoded), `tail` its end when the file is
    longer than `head` (its first line, presumably cut off, is ignored). Emacs first (its `-*-`
    line, then its `Local Variables:`), then Vim; see the module docstring for the forms."""
    head_lines = head.split("\n")
    last_lines = head_lines if tail is None else tail.split("\n")[1:]
    if last_lines and last_lines[-1] == "":  # the file ends with a newline
        last_lines = last_lines[:-1]

    first = head_lines[1] if head_lines[0].startswith("#!") and len(head_lines) > 1 \
        else head_lines[0]
    mode = _normalize_emacs_mode(_emacs_prop_line_mode(first))
    if mode is None:
        end = head if tail is None else tail
        mode = _normalize_emacs_mode(
            _emacs_local_variables_mode(end[-_EMACS_LOCAL_VARIABLES_SCOPE:]))
    if mode is not None:
        return mode

    lines = head_lines[:_VIM_MODELINES]
    if tail is None:
        lines += last_lines[max(_VIM_MODELINES, len(last_lines) - _VIM_MODELINES):]
    else:
        lines += last_lines[-_VIM_MODELINES:]
    return _vim_filetype(lines)


def _emacs_prop_line_mode(line: str) -> str | None:
    match = _EMACS_PROP_LINE.search(line)
    if match is None:
        return None
    props = match[1].strip()
    if ":" not in props:
        return props or None  # `-*- C++ -*-`
    for prop in props.split(";"):
        name, _, value = prop.partition(":")
        if name.strip().lower() == "mode" and value.strip():
            return value.strip()
    return None  # `-*- coding: utf-8 -*-`, `-*- c-basic-offset: 4 -*-`


def _emacs_local_variables_mode(end: str) -> str | None:
    """The `mode:` of an Emacs `Local Variables:` block in `end` (the file's last characters):
    each line of the block starts with the prefix and ends with the suffix found around
    `Local Variables:`, e.g. `/* ` and ` */`; the block ends with `End:`."""
    matches = list(_EMACS_LOCAL_VARIABLES.finditer(end))
    if not matches:
        return None
    match = matches[-1]
    line_start = end.rfind("\n", 0, match.start()) + 1
    line_end = end.find("\n", match.end())
    if line_end < 0:
        return None
    prefix = end[line_start:match.start()]
    suffix = end[match.end():line_end].strip()
    for line in end[line_end + 1:].split("\n"):
        if not line.startswith(prefix):
            return None
        body = line[len(prefix):].rstrip()
        if suffix and body.endswith(suffix):
            body = body[:-len(suffix)]
        name, colon, value = body.partition(":")
        if not colon:
            continue
        if name.strip() == "End":
            return None
        if name.strip().lower() == "mode" and value.strip():
            return value.strip()
    return None


def _normalize_emacs_mode(mode: str | None) -> str | None:
    """`C++` -> `c++`, `c++-mode` -> `c++`, `python-ts-mode` -> `python`; None for what is not a
    mode name (a banner such as `// ---*--- Section ---*---`) or names no language
    (`_GENERIC_MODES`)."""
    if mode is None:
        return None
    name = mode.strip().lower().removesuffix("-mode").removesuffix("-ts")
    if not _MODE_NAME.fullmatch(name) or name in _GENERIC_MODES:
        return None
    return name


def _vim_filetype(lines: Iterable[str]) -> str | None:
    filetype: str | None = None
    syntax: str | None = None
    for line in lines:
        match = _VIM_MODELINE.search(line)
        if match is None:
            continue
        options = match["options"]
        set_form = _VIM_SET.match(options)
        words = set_form["options"].split() if set_form else re.split(r"[\s:]+", options)
        for word in words:
            option = _VIM_OPTION.fullmatch(word.replace("\\:", ":"))
            if option is None:
                continue
            value = option["value"].lower()
            if option["name"] in ("ft", "filetype"):
                filetype = value
            else:
                syntax = value
    value = filetype or syntax
    if value is None:
        return None
    if value not in MODELINE_NAMES:  # `javascript.jsx` is one name
        value = value.split(".", 1)[0]  # compound types: `cpp.doxygen` is C++ and Doxygen
    if not _MODE_NAME.fullmatch(value) or value in _GENERIC_MODES:
        return None
    return value


# --- C or C++ headers -------------------------------------------------------------------------

# Comments, string and character literals, in one pass so that `"/*"` is a string and `'"'` a
# character. An unterminated comment runs to the end (the head may end inside one).
_COMMENTS_AND_QUOTES = (
    r"/\*[^*]*\*+(?:[^/*][^*]*\*+)*/|/\*.*"  # block comments; an unterminated one runs to the end
    r"|//[^\n]*"
    r'|"[^"\\\n]*(?:\\.[^"\\\n]*)*"?'
    r"|'[^'\\\n]*(?:\\.[^'\\\n]*)*'?"
)
_C_LEXEMES = re.compile(_COMMENTS_AND_QUOTES, re.DOTALL)
"""Comments, string and character literals, in one pass so that `"/*"` is a string and `'"'` a
character (the head may end inside a comment or a literal). Unrolled loops: this runs on every
`.h` and `.js` the walk sees."""
_CONTINUATION = re.compile(r"\\\n")
_DIRECTIVE = re.compile(r"\s*#\s*(?P<name>[a-z_]+)\b(?P<rest>.*)")
_ATTRIBUTE = re.compile(r"\[\[.*?\]\]", re.DOTALL)  # C23 has `[[gnu::unused]]` too

_CPP_INCLUDE = re.compile(
    r"""\s*(?:<[\w/]+>|"[^"]*\.(?:hpp|hh|hxx|h\+\+|ipp|tcc|cpp|cc|cxx)")""")
"""An `#include` argument only C++ has: a standard header without extension (`<iostream>`,
`<cstdio>`, Qt's `<QString>`; every C standard header ends in `.h`), or a C++ file."""

_NAME = r"[A-Za-z_]\w*"
_CPP_KEYWORDS: dict[str, re.Pattern[str] | None] = {
    "namespace": re.compile(rf"\s*(?:{_NAME}(?:\s*::\s*\w+)*\s*)?[{{=]"),
    "using": re.compile(rf"\s+(?:namespace\b|{_NAME}\s*=)"),
    "template": re.compile(r"\s*<"),
    "class": re.compile(rf"\s+(?:{_NAME}\s+)?{_NAME}\s*(?:final\s*)?[{{:;]"),
    "struct": re.compile(rf"\s+(?:{_NAME}\s+)?{_NAME}\s*(?:final\s*)?"
                         rf":\s*(?:public|protected|private|virtual)?\s*{_NAME}[\w:<>, ]*\{{"),
    "enum": re.compile(r"\s+(?:class|struct)\b"),
    "public": re.compile(r"\s*:(?!:)"),  # at the start of a line: see _ACCESS_SPECIFIERS
    "protected": re.compile(r"\s*:(?!:)"),
    "private": re.compile(r"\s*:(?!:)"),
    "operator": re.compile(
        r"\s*(?:\(\s*\)|\[\s*\]|->\*?|<=>|<<=?|>>=?|&&|\|\||\+\+|--|[-+*/%^&|~!=<>,]=?"
        rf"|new\b|delete\b|\"\"\s*\w+|(?:const\s+)?{_NAME}\s*[*&]*)\s*\("),
    "virtual": re.compile(r"\s+~?\s*[A-Za-z_]"),
    "nullptr": None, "constexpr": None, "consteval": None, "constinit": None, "noexcept": None,
    "decltype": re.compile(r"\s*\("),
    "static_cast": re.compile(r"\s*<"),
    "dynamic_cast": re.compile(r"\s*<"),
    "const_cast": re.compile(r"\s*<"),
    "reinterpret_cast": re.compile(r"\s*<"),
    "extern": re.compile(r'\s*"C\+\+"'),
}
"""What C cannot contain, outside comments and literals (strings are blanked to `""`, keeping
only `"C"` and `"C++"`): a keyword, and what must follow it for the construct to be C++ (None:
the keyword alone), e.g. `template <`, `class X {`, `namespace x {`, `operator==(`. Besides
these, any `::` before a name (C23 attributes, `[[gnu::unused]]`, are dropped first). C23 keeps
`nullptr` and `constexpr` out of C only in theory: headers using them are, in practice, C++."""

_CPP_KEYWORD = re.compile(rf"\b(?:{'|'.join(_CPP_KEYWORDS)})\b")
_ACCESS_SPECIFIERS = frozenset({"public", "protected", "private"})
_SCOPE = re.compile(r"::\s*~?[A-Za-z_]")

_EXTERN_C = re.compile(r'\bextern\s*"C"')
"""`extern "C"` outside an `#if` on `__cplusplus`: such a header cannot be compiled as C."""

_C_ONLY_KEYWORDS: dict[str, re.Pattern[str] | None] = {
    "_Generic": re.compile(r"\s*\("),
    "_Noreturn": None, "_Static_assert": None, "_Thread_local": None, "restrict": None,
}
_CPP_KEYWORDS_AS_NAMES = frozenset({
    "class", "new", "delete", "namespace", "typename", "private", "public", "protected",
    "virtual", "explicit", "friend", "mutable",
})
_C_KEYWORD = re.compile(rf"\b(?:{'|'.join([*_C_ONLY_KEYWORDS, *_CPP_KEYWORDS_AS_NAMES])})\b")
_AFTER_NAME = re.compile(r"\s*[,;)\[=]")
"""What C++ cannot contain: C-only keywords (`_Generic(`, `restrict`, ...), and C++ keywords used
as names: after `->` or `.` (`p->class`), or after `*`, `,` or `(` and before `,;)[=`
(`int *new;`, `f(int class)`)."""


def _has_cpp_construct(code: str) -> bool:
    if "::" in code and _SCOPE.search(code):
        return True
    for match in _CPP_KEYWORD.finditer(code):
        keyword = match[0]
        follow = _CPP_KEYWORDS[keyword]
        if follow is not None and not follow.match(code, match.end()):
            continue
        if keyword in _ACCESS_SPECIFIERS:
            line_start = code.rfind("\n", 0, match.start()) + 1
            if code[line_start:match.start()].strip():
                continue
        return True
    return False


def _has_c_construct(code: str) -> bool:
    for match in _C_KEYWORD.finditer(code):
        keyword = match[0]
        if keyword in _C_ONLY_KEYWORDS:
            follow = _C_ONLY_KEYWORDS[keyword]
            if follow is None or follow.match(code, match.end()):
                return True
            continue
        before = _previous_token_char(code, match.start())
        if before in ("->", ".") or (before in ("*", ",", "(") and
                                     _AFTER_NAME.match(code, match.end())):
            return True
    return False


def _previous_token_char(code: str, pos: int) -> str:
    """The punctuation just before `pos`, skipping whitespace: `->` or one character."""
    pos -= 1
    while pos >= 0 and code[pos] in " \t\n":
        pos -= 1
    if pos < 0:
        return ""
    if code[pos] == ">" and pos > 0 and code[pos - 1] == "-":
        return "->"
    return code[pos]


def header_language(head: str) -> Language | None:
    """C or C++ for a `.h` file by its content (`head`, its decoded first bytes), or None when it
    does not say.

    - "cpp" if a construct only C++ has appears outside comments and literals (`_CPP_KEYWORDS`:
      `namespace`, `template <`, `class X {`, access specifiers, `::`, `operator==(`, `virtual`,
      `nullptr`, `constexpr`, casts, ...; an `#include` of `<iostream>` or of a C++ file;
      `extern "C"` outside an `#if` on `__cplusplus`), even in an `#ifdef __cplusplus` block:
      such a header holds C++ code a C parser would fail on, while a C++ parser reads C;
    - else "c" if it tests `__cplusplus` in a preprocessor condition (a C header made includable
      from C++, typically `#ifdef __cplusplus extern "C" { #endif`), or uses what C++ cannot
      (`_Generic`, `restrict`, a C++ keyword as a name);
    - else None: plain declarations, valid in both.
    """
    code, cplusplus_guarded, extern_c_unguarded, cpp_include = _header_code(head)
    if cpp_include or extern_c_unguarded or _has_cpp_construct(code):
        return "cpp"
    if cplusplus_guarded or _has_c_construct(code):
        return "c"
    return None


def _header_code(head: str) -> tuple[str, bool, bool, bool]:
    """The code of a header with comments removed, string literals blanked, attributes dropped
    and preprocessor conditions left out (`#define` bodies are kept), and three facts: whether a
    condition tests `__cplusplus`, whether `extern "C"` appears outside such a condition, and
    whether an `#include` names a C++ header."""

    def strip(match: re.Match[str]) -> str:
        if match[0].startswith("/"):
            return " " + "\n" * match[0].count("\n")
        return match[0]

    text = _C_LEXEMES.sub(strip, _CONTINUATION.sub("", head))  # splice lines first, as C does
    code: list[str] = []
    stack: list[bool] = []  # per open `#if`: whether its condition (so far) tests __cplusplus
    guarded = extern_c_unguarded = cpp_include = False
    for line in text.split("\n"):
        directive = _DIRECTIVE.match(line)
        if directive is None:
            if not any(stack):
                if "extern" in line and _EXTERN_C.search(_blank_strings(line)):
                    extern_c_unguarded = True
                code.append(line)
            continue
        name, rest = directive["name"], directive["rest"]
        tests = "__cplusplus" in rest
        guarded = guarded or (tests and name in ("if", "ifdef", "ifndef", "elif"))
        if name in ("if", "ifdef", "ifndef"):
            stack.append(tests)
        elif name in ("elif", "elifdef", "elifndef") and stack:
            stack[-1] = stack[-1] or tests
        elif name == "endif" and stack:
            stack.pop()
        elif any(stack):
            continue
        elif name == "include":
            cpp_include = cpp_include or bool(_CPP_INCLUDE.match(rest))
        elif name == "define":
            code.append(rest)
    return (_ATTRIBUTE.sub(" ", _blank_strings("\n".join(code))), guarded, extern_c_unguarded,
            cpp_include)


def _blank_strings(code: str) -> str:
    def blank(match: re.Match[str]) -> str:
        lexeme = match[0]
        if lexeme.startswith("/") or lexeme in ('"C"', '"C++"'):
            return lexeme
        return '""' if lexeme.startswith('"') else "' '"

    return _C_LEXEMES.sub(blank, code)


def header_language_by_directory(header: str, votes: Mapping[str, tuple[int, int]]) -> \
        Language | None:
    """The language of an undecided `.h` (`header`, a `/`-separated path) from the C and C++
    sources around it: `votes` maps each directory ("" for the root) to the number of C and of
    C++ sources in its subtree (`count_c_family_votes`). The nearest directory, starting with
    the header's own and going up, whose subtree has any decides: the language of at least
    `DIRECTORY_MAJORITY` of them (one stray `.c` test among C++ sources, or one `.hpp` wrapper
    among C ones, does not change what the project is written in), or nothing if neither has
    it (then the extension's C stands)."""
    directory = header
    while directory:
        directory = directory.rpartition("/")[0]
        c, cpp = votes.get(directory, (0, 0))
        if c or cpp:
            if cpp >= DIRECTORY_MAJORITY * (c + cpp):
                return "cpp"
            if c >= DIRECTORY_MAJORITY * (c + cpp):
                return "c"
            return None
    return None


def count_c_family_votes(paths: Iterable[str]) -> dict[str, tuple[int, int]]:
    """For `header_language_by_directory`: per directory, how many files under it (at any depth)
    have a C extension (`.c`) and how many a C++ one (`.cpp`, `.cc`, `.hpp`, ...; not `.h`)."""
    votes: dict[str, tuple[int, int]] = {}
    for path in paths:
        ext = os.path.splitext(path)[1]
        language = _C_FAMILY_VOTES.get(ext) or _C_FAMILY_VOTES.get(ext.lower())
        if ext in CASE_SENSITIVE_EXTENSIONS:
            language = CASE_SENSITIVE_EXTENSIONS[ext]
        if language is None:
            continue
        directory = path
        while directory:
            directory = directory.rpartition("/")[0]
            c, cpp = votes.get(directory, (0, 0))
            votes[directory] = (c + 1, cpp) if language == "c" else (c, cpp + 1)
    return votes


# --- JSX in `.js` -----------------------------------------------------------------------------

_JS_LEXEMES = re.compile(_COMMENTS_AND_QUOTES + r"|`[^`\\]*(?:\\.[^`\\]*)*`?", re.DOTALL)
_JSX_OPEN = re.compile(
    r"(?:^|[(\[{,=?:!]|&&|\|\||=>|\breturn|\byield|\bdefault)\s*"
    r"<(?:(?P<tag>[A-Za-z_$][\w$.:-]*)(?=[\s/>])|>)")

_JSX_SELF_CLOSING = re.compile(r"[^<]{0,2000}?/>")  # the rest of `<Tag attr={() => x} />`


def has_jsx(text: str) -> bool:
    """Whether JavaScript source (decoded) contains JSX, heuristically: outside comments and
    string/template literals, an element starting where an expression can (`return <div`,
    `= <Foo`, `(<>`), that is either self-closing (`<Foo ... />`) or closed later (`</Foo>`,
    `</>`). Comparisons (`a < b`) and Flow generics (`<T>(x) => x`) do not qualify."""
    code = _JS_LEXEMES.sub(lambda m: " " if m[0].startswith("/") else '""', text)
    for match in _JSX_OPEN.finditer(code):
        tag = match["tag"]
        if tag is None:
            if "</>" in code[match.end():]:
                return True
            continue
        rest = code[match.end():]
        if _JSX_SELF_CLOSING.match(rest) or re.search(rf"</\s*{re.escape(tag)}\s*>", rest):
            return True
    return False
