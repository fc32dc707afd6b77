"""lizard metrics for one file's bytes: the per-file step of the `analyze` stage.

It must never do I/O of its own (no files, no network), never import ZeroMQ, and never raise for
bad input: whatever lizard makes of the bytes, the caller gets a `FileAnalysis` back. Results are
cached by content + `ANALYZER_ID`, so `analyze` must give what `lizard FILE` gives for that file.
"""

from __future__ import annotations

import codecs
from importlib.metadata import version

# Imported from lizard_core/lizard_languages, not through the `lizard` facade: importing `lizard`
# inserts the directory of sys.argv[0] into sys.path (lizard issue #460), which for a worker
# started with `python -m` would make our own modules importable under bare top-level names.
from lizard_core.analysis import analyze_file as _lizard_file_analyzer
from lizard_core.file_info_builder import FileInfoBuilder
from lizard_languages import (
    CLikeReader,
    GoReader,
    JavaReader,
    JavaScriptReader,
    PythonReader,
    RustReader,
    TSXReader,
    TypeScriptReader,
    get_reader_for,
)

from mesh.models import FileAnalysis, FileError, FunctionMetrics, Language

ANALYZER_ID: str = f"lizard-{version('lizard')}"
"""Part of every cached result's key: a new lizard may count differently, so it must not reuse
results computed by an older one."""

# Which lizard readers give the right analysis for each language. lizard picks a reader only by
# the file name's extension, so the real name is kept when lizard's reader for it is one of these
# (then the result is the CLI's for that file, e.g. `.h`, `.mjs`, `.jsx`), and otherwise replaced
# by a stand-in name (a shebang script with no extension, `.pyi`, `.mts`: lizard reads them as C).
# lizard reads `.jsx` with its TSX reader, so that reader is right for JavaScript too.
_READERS: dict[Language, tuple[type, ...]] = {
    "python": (PythonReader,),
    "go": (GoReader,),
    "c": (CLikeReader,),
    "cpp": (CLikeReader,),
    "java": (JavaReader,),
    "rust": (RustReader,),
    "javascript": (JavaScriptReader, TSXReader),
    "typescript": (TypeScriptReader, TSXReader),
}
_STAND_IN_NAMES: dict[Language, str] = {
    "python": "source.py",
    "go": "source.go",
    "c": "source.c",
    "cpp": "source.cpp",
    "java": "source.java",
    "rust": "source.rs",
    "javascript": "source.js",
    "typescript": "source.ts",
}


def lizard_filename(name: str, language: Language) -> str:
    """The file name to show lizard so it picks the reader for `language`.

    Why not always a stand-in: for some languages lizard has several readers (`.jsx`/`.tsx` get the
    TSX reader), and the CLI, our oracle, uses the one the real name selects.
    """
    if get_reader_for(name) in _READERS[language]:
        return name
    return _STAND_IN_NAMES[language]


def decode_like_lizard(data: bytes) -> str:
    """Decode bytes into the text the lizard CLI would analyze for a file with these bytes.

    lizard_ext.auto_read opens the file in text mode: utf-8-sig if it starts with a UTF-8 BOM,
    otherwise the locale's encoding (UTF-8 under a UTF-8 locale; pinned here so that results do
    not depend on the worker's locale), with universal newlines (CRLF and CR become LF). If that
    fails to decode it re-reads the *bytes* and decodes UTF-8 ignoring errors: no BOM stripping and
    no newline translation on that path, so neither happens here either.
    """
    encoding = "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="ignore")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _run_lizard(filename: str, code: str) -> tuple[int, list[FunctionMetrics]]:
    """What `lizard_core.analysis.analyze_file.analyze_source_code(filename, code)` does, except
    that a RecursionError propagates.

    lizard's own method catches RecursionError, writes "[skip] ..." to stderr and returns whatever
    it had counted before the crash: a truncated result that would look valid here and be cached
    under the file's content. Failing the file is the honest equivalent of lizard's "[skip]".
    """
    context = FileInfoBuilder(filename)
    reader = (get_reader_for(filename) or CLikeReader)(context)
    tokens = reader.generate_tokens(code)
    for processor in _lizard_file_analyzer.processors:
        tokens = processor(tokens, reader)
    for _ in reader(tokens, reader):
        pass
    info = context.fileinfo
    functions = [
        FunctionMetrics(
            name=fn.name,
            long_name=fn.long_name,
            start_line=fn.start_line,
            end_line=fn.end_line,
            nloc=fn.nloc,
            ccn=fn.cyclomatic_complexity,
            params=fn.parameter_count,
            tokens=fn.token_count,
        )
        for fn in info.function_list
    ]
    return int(info.nloc), functions


def analyze(data: bytes, language: Language, name: str = "") -> FileAnalysis:
    """lizard's metrics for one file's content, as `lizard FILE` would report them.

    `name` is only a hint: its extension is kept when lizard's reader for it suits `language`, and
    it is the path in the error. Any exception lizard raises (RecursionError on deep nesting,
    parser bugs on unusual code) becomes `error` with kind "analyzer": one bad file must cost only
    that file, never the task. Only a `language` outside `Language` raises (a caller's bug).
    """
    filename = lizard_filename(name, language)
    try:
        nloc, functions = _run_lizard(filename, decode_like_lizard(data))
    except Exception as exc:
        message = f"lizard: {type(exc).__name__}: {exc}"
        return FileAnalysis(
            language=language, error=FileError(path=name, kind="analyzer", message=message)
        )
    return FileAnalysis(language=language, nloc=nloc, functions=functions)
