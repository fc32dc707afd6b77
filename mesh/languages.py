"""Which of codemesh's languages a file is written in, from its name and, failing that, its shebang.

Pure functions over tables kept as data: this module must never do I/O (the caller reads the head
bytes), never import ZeroMQ, and never guess from content beyond the `#!` line — a file we classify
as language X is sent to workers that analyze X, so a wrong guess costs a failed or bogus analysis.

The reference is lizard (pinned in pyproject.toml): every extension below is one whose files lizard
analyzes with the reader for that language (`lizard_languages/*.py`, `ext` lists; lizard matches
them case-insensitively), except the ones marked "lizard: no". For those, and for shebang scripts,
the worker shows lizard a stand-in name (`worker.analysis.lizard_filename`), because lizard would
otherwise fall back to its C reader.
"""

from __future__ import annotations

import os.path
import re

from mesh.models import Language

EXTENSIONS: dict[str, Language] = {
    # Python. `.pyi` stubs are included, like TypeScript's `.d.ts` declaration files: both are
    # source a team maintains, and downstream stages can still tell them apart by path.
    ".py": "python",
    ".pyw": "python",  # lizard: no (Windows GUI scripts; plain Python)
    ".pyi": "python",  # lizard: no (stubs; plain Python syntax)
    ".go": "go",
    # C. lizard has one reader for C and C++ (CLikeReader); `.h` is C here, as for lizard's users
    # it is the header of either, and C is the conservative guess.
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
"""How many leading bytes `detect_language` needs to see: Linux reads at most 256 bytes of a `#!`
line (BINPRM_BUF_SIZE), so an interpreter named later than that would not run the script anyway."""

# `python3`, `python2.7`, `python3.13t` (free-threaded), `pypy3.10`, `node18` -> the base name.
_VERSIONED = re.compile(r"(?P<base>[a-z][a-z-]*?)-?(?:\d+(?:\.\d+)*t?)?")

# `env` options that take the following word as their argument (GNU coreutils and BSD env).
_ENV_OPTIONS_WITH_ARGUMENT = frozenset({"-u", "--unset", "-C", "--chdir", "-P"})


def language_for_name(name: str) -> Language | None:
    """The language of a file by its name's extension alone, or None.

    `name` may be a bare name or a path. Extensionless names (`Makefile`, `.bashrc`) give None:
    only `detect_language` looks at their contents.
    """
    ext = os.path.splitext(name)[1]
    if not ext:
        return None
    return CASE_SENSITIVE_EXTENSIONS.get(ext) or EXTENSIONS.get(ext.lower())


def has_extension(name: str) -> bool:
    """Whether `name` has an extension at all: files with an unknown one are never sniffed, because
    `notes.txt` or `run.sh` starting with `#!` is not source we analyze."""
    return bool(os.path.splitext(name)[1])


def detect_language(name: str, head: bytes) -> Language | None:
    """The language of a file: by extension if it has a known one; else, for a name with no
    extension at all, by the interpreter in its `#!` line (`head` = its first bytes, at least
    `SHEBANG_HEAD_SIZE` of them when the file is that long); else None."""
    language = language_for_name(name)
    if language is not None or has_extension(name):
        return language
    interpreter = shebang_interpreter(head)
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
