"""worker.analysis against the real lizard CLI as the oracle.

Every comparison runs `python -m lizard` on a file in tmp_path and asserts that `analyze` on the
same bytes reports exactly the same functions and file NLOC: the store caches our results by
content, so anything the CLI would count differently is a wrong cached result.
"""

from __future__ import annotations

import importlib.metadata
import random
import re
from pathlib import Path

import pytest
from lizard_ext.version import version as lizard_own_version
from lizard_oracle import CliResult, as_csv_names, lizard_cli
from samples import JAVASCRIPT, MIN_FUNCTIONS, PYTHON, SOURCES, TYPESCRIPT, C

from mesh.models import LANGUAGES, Language
from worker.analysis import ANALYZER_ID, analyze, decode_like_lizard, lizard_filename


def assert_matches_cli(path: Path, language: Language, name: str | None = None) -> CliResult:
    """Analyze `path`'s bytes and assert the result equals the CLI's for `path`."""
    cli = lizard_cli(path)
    assert "[skip]" not in cli.stderr, cli.stderr  # lizard gave up: its output is partial
    result = analyze(path.read_bytes(), language, path.name if name is None else name)
    assert result.error is None
    assert as_csv_names(result.functions) == cli.functions
    assert result.nloc == cli.nloc
    return cli


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- every language, against the CLI ---------------------------------------------------------


def test_sources_cover_every_language() -> None:
    assert {language for _, language, _ in SOURCES} == set(LANGUAGES)


@pytest.mark.parametrize(("name", "language", "source"), SOURCES, ids=[s[0] for s in SOURCES])
def test_matches_lizard_cli(tmp_path: Path, name: str, language: Language, source: str) -> None:
    path = _write(tmp_path, name, source.encode())
    cli = assert_matches_cli(path, language)
    assert len(cli.functions) >= MIN_FUNCTIONS[name]
    assert any(f.ccn > 2 for f in cli.functions)  # branches and boolean operators were counted


def test_python_details_match_lizard(tmp_path: Path) -> None:
    """Spot checks that make the CLI comparison meaningful: nested functions, methods of nested
    classes, and a default value containing `"` (which the CSV oracle rewrites as `'`)."""
    result = analyze(PYTHON.encode(), "python", "inventory.py")
    by_name = {f.name: f for f in result.functions}
    assert {"retry", "restock", "render"} <= set(by_name)
    assert any(n.endswith(".decorator.wrapper") for n in by_name)  # lizard's name for nested defs
    assert by_name["retry"].long_name == 'retry( times = 3 , message = "failed, retrying" )'
    assert by_name["restock"].params == 3
    assert_matches_cli(_write(tmp_path, "inventory.py", PYTHON.encode()), "python")


# --- decoding and newlines, as the CLI reads files ---------------------------------------------


@pytest.mark.parametrize(
    ("name", "language", "source"),
    [
        ("inventory.py", "python", PYTHON),
        ("buffer.c", "c", C),
        ("cart.js", "javascript", JAVASCRIPT),
    ],
)
@pytest.mark.parametrize("newline", ["\r\n", "\r"], ids=["crlf", "cr"])
def test_crlf_and_cr_files_match_cli(
    tmp_path: Path, name: str, language: Language, source: str, newline: str
) -> None:
    data = source.replace("\n", newline).encode()
    assert_matches_cli(_write(tmp_path, name, data), language)
    # Universal newlines: the same lines as the LF file.
    assert analyze(data, language, name) == analyze(source.encode(), language, name)


def test_utf8_bom_file_matches_cli(tmp_path: Path) -> None:
    source = "# coding: utf-8\ndef grüße(name):\n    return 'héllo ' + name if name else ''\n"
    data = b"\xef\xbb\xbf" + source.encode()
    assert_matches_cli(_write(tmp_path, "greet.py", data), "python")
    assert analyze(data, "python", "greet.py") == analyze(source.encode(), "python", "greet.py")


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_latin1_file_matches_cli(tmp_path: Path, newline: str) -> None:
    """Not UTF-8 (old European Java is often ISO-8859-1): lizard re-reads the bytes and drops what
    does not decode, even inside identifiers, and on that path it does not translate newlines (a
    CR-only file becomes one line)."""
    source = (
        "/* Maße und Gewichte, © Müller */\n"
        "public class Maß {\n"
        "    public double größe(int länge, int breite) {\n"
        "        String s = \"très cher\";\n"
        "        if (länge > 100 && breite > 0) {\n"
        "            return länge * breite;\n"
        "        }\n"
        "        return länge > 0 ? länge : -1;\n"
        "    }\n"
        "}\n"
    ).replace("\n", newline)
    data = source.encode("latin-1")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    cli = assert_matches_cli(_write(tmp_path, "Mass.java", data), "java")
    assert [f.name for f in cli.functions] == ["Ma::gre"]
    assert cli.functions[0].start_line == (1 if newline == "\r" else 3)


def test_undecodable_text_keeps_carriage_returns() -> None:
    assert decode_like_lizard(b"a\xe9\r\nb\r") == "a\r\nb\r"
    assert decode_like_lizard("a\u00e9\r\nb\r".encode()) == "a\u00e9\nb\n"
    assert decode_like_lizard(b"\xef\xbb\xbfx\xff") == "\ufeffx"  # no BOM stripping either


# --- which reader lizard is given -------------------------------------------------------------


def test_shebang_script_without_extension_is_read_as_python(tmp_path: Path) -> None:
    data = PYTHON.encode()
    script = _write(tmp_path, "inventory", data)
    copy = _write(tmp_path, "x.py", data)
    cli_copy = lizard_cli(copy)
    result = analyze(script.read_bytes(), "python", "inventory")
    assert result.error is None
    assert as_csv_names(result.functions) == cli_copy.functions
    assert result.nloc == cli_copy.nloc
    # The CLI on the real name would read it as C: that is why the name is replaced.
    assert lizard_cli(script).functions != cli_copy.functions


@pytest.mark.parametrize(
    ("name", "language", "expected"),
    [
        ("a.py", "python", "a.py"),
        ("A.PY", "python", "A.PY"),  # lizard matches extensions case-insensitively
        ("bin/tool", "python", "source.py"),
        ("stubs.pyi", "python", "source.py"),
        ("ring.h", "c", "ring.h"),
        ("ring.h", "cpp", "ring.h"),
        ("x.hpp", "cpp", "x.hpp"),
        ("x.cc", "cpp", "x.cc"),
        ("x.mjs", "javascript", "x.mjs"),
        ("x.cjs", "javascript", "x.cjs"),
        ("x.jsx", "javascript", "x.jsx"),
        ("x.ts", "javascript", "source.js"),
        ("x.mts", "typescript", "source.ts"),
        ("x.tsx", "typescript", "x.tsx"),
        ("x.js", "typescript", "source.ts"),
        ("Main.java", "java", "Main.java"),
        ("lib.rs", "rust", "lib.rs"),
        ("main.go", "go", "main.go"),
        ("", "go", "source.go"),
    ],
)
def test_lizard_filename(name: str, language: Language, expected: str) -> None:
    assert lizard_filename(name, language) == expected


def test_mts_file_is_read_as_typescript(tmp_path: Path) -> None:
    """lizard has no reader for .mts (the CLI would read it as C): we analyze it as .ts."""
    data = TYPESCRIPT.encode()
    result = analyze(data, "typescript", "repository.mts")
    cli = lizard_cli(_write(tmp_path, "repository.ts", data))
    assert as_csv_names(result.functions) == cli.functions
    assert result.nloc == cli.nloc


# --- edge cases -------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_empty_file(tmp_path: Path, language: Language) -> None:
    result = analyze(b"", language, "empty")
    assert result.error is None
    assert result.nloc == 0
    assert result.functions == []
    assert result.language == language


def test_empty_file_matches_cli(tmp_path: Path) -> None:
    assert_matches_cli(_write(tmp_path, "empty.c", b""), "c")


DEEP = 5000
RECURSING: list[tuple[str, Language, str]] = [
    ("deep.js", "javascript", "function f() { return " + "[" * DEEP + "]" * DEEP + "; }\n"),
    ("deep.go", "go", "package p\nfunc f() {" + "{" * DEEP + "}" * DEEP + "}\n"),
    ("deep.rs", "rust", "fn f() {" + "{" * DEEP + "}" * DEEP + "}\n"),
    ("deep.tsx", "typescript", "const x = " + "<div>{" * DEEP + "1" + "}</div>" * DEEP + ";\n"),
]


@pytest.mark.parametrize(("name", "language", "source"), RECURSING, ids=[r[0] for r in RECURSING])
def test_lizard_failure_is_an_error_not_an_exception(
    tmp_path: Path, name: str, language: Language, source: str
) -> None:
    # The oracle shows the input really makes lizard fail (the CLI swallows it and skips).
    cli = lizard_cli(_write(tmp_path, name, source.encode()))
    skipped = rf"\[skip\] fail to process '{re.escape(name)}' with RecursionError"
    assert re.search(skipped, cli.stderr), cli.stderr

    result = analyze(source.encode(), language, name)
    assert result.error is not None
    assert result.error.path == name
    assert result.error.kind == "analyzer"
    assert result.error.message.startswith("lizard: RecursionError: ")
    assert result.nloc == 0
    assert result.functions == []
    assert result.language == language


@pytest.mark.parametrize("language", LANGUAGES)
def test_garbage_bytes_never_raise(language: Language) -> None:
    rng = random.Random(language)
    for _ in range(20):
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400)))
        result = analyze(data, language, "garbage")
        assert result.language == language


def test_analyzer_id_follows_lizard_version() -> None:
    assert importlib.metadata.version("lizard") == lizard_own_version
    assert ANALYZER_ID.startswith("lizard-")
    assert ANALYZER_ID.removeprefix("lizard-") == lizard_own_version
