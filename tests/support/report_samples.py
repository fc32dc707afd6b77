"""Realistic analysis results, built by hand, for the report, findings and format tests.

Values are what the analyzers give for code of that shape: a Python parser class with one
overgrown method, a Go client, a generated C file (lizard-only fields, as the skeleton's analyzer
gives them), a Java service class with too many methods, and a TypeScript module.
"""

from __future__ import annotations

from mesh.models import (
    AstSummary,
    ClassInfo,
    FileAnalysis,
    FileError,
    FunctionMetrics,
    Halstead,
    ImportInfo,
    JobManifest,
    Language,
    Member,
    SkippedFile,
    SourceFile,
    Task,
)


def hal(n1: int, n2: int, big_n1: int, big_n2: int) -> Halstead:
    import math

    vocabulary, length = n1 + n2, big_n1 + big_n2
    volume = length * math.log2(vocabulary) if vocabulary else 0.0
    difficulty = n1 / 2 * big_n2 / n2 if n2 else 0.0
    effort = volume * difficulty
    return Halstead(n1=n1, n2=n2, N1=big_n1, N2=big_n2, vocabulary=vocabulary, length=length,
                    volume=volume, difficulty=difficulty, effort=effort, time=effort / 18,
                    bugs=volume / 3000)


def fn(name: str, start: int, end: int, nloc: int, ccn: int, params: int = 1, *,
       qualified: str = "", kind: str = "function", cognitive: int = 0, nesting: int = 0,
       halstead: Halstead | None = None, tokens: int = 0) -> FunctionMetrics:
    return FunctionMetrics(
        name=name, long_name=f"{name}( {', '.join(f'p{i}' for i in range(params))} )",
        start_line=start, end_line=end, nloc=nloc, ccn=ccn, params=params,
        tokens=tokens or nloc * 9, kind=kind,  # type: ignore[arg-type]
        qualified_name=qualified, cognitive=cognitive, max_nesting=nesting,
        halstead=halstead or Halstead())


PARSER_PY = FileAnalysis(
    language="python", nloc=212, lines=268, sloc=212, comments=21, blank=35,
    halstead=hal(12, 70, 110, 160), mi=31.7,
    functions=[
        fn("__init__", 14, 19, 5, 1, 2, qualified="Parser.__init__", kind="constructor",
           halstead=hal(1, 4, 1, 4)),
        # The overgrown one: over ccn, cognitive, nesting, nloc and Python's Halstead effort.
        fn("parse", 21, 170, 131, 31, 3, qualified="Parser.parse", kind="method", cognitive=48,
           nesting=6, halstead=hal(7, 30, 60, 80)),
        fn("<lambda>", 60, 60, 1, 2, 1, qualified="Parser.parse.<lambda>", kind="lambda",
           cognitive=1, nesting=0, halstead=hal(2, 3, 2, 3)),
        fn("<lambda>", 61, 61, 1, 1, 1, qualified="Parser.parse.<lambda>", kind="lambda",
           halstead=hal(1, 2, 1, 2)),
        fn("load", 180, 226, 40, 9, 9, cognitive=11, nesting=3, halstead=hal(3, 10, 12, 18)),
        fn("dump", 230, 268, 34, 6, 2, cognitive=5, nesting=2, halstead=hal(2, 8, 6, 10)),
    ],
    classes=[ClassInfo(name="Parser", kind="class", start_line=10, end_line=170, bases=["Base"],
                       methods=[Member(name="__init__", line=14, constructor=True),
                                Member(name="parse", line=21)],
                       fields=[Member(name="source", line=15), Member(name="pos", line=16)])],
    imports=[ImportInfo(module="re", kind="static", line=1),
             ImportInfo(module=".tokens", names=["Token"], kind="relative", line=2),
             ImportInfo(module="yaml", kind="conditional", line=5)],
    partial=True, parse_errors=[201],
    ast=AstSummary(node_types={"module": 1, "function_definition": 4, "ERROR": 1},
                   max_depth=31, error_nodes=1),
)

CLIENT_GO = FileAnalysis(
    language="go", nloc=140, lines=171, sloc=140, comments=18, blank=13,
    halstead=hal(40, 160, 700, 820), mi=52.4,
    functions=[
        fn("Do", 20, 95, 66, 16, 2, qualified="Client.Do", kind="method", cognitive=14,
           nesting=4, halstead=hal(28, 80, 300, 340)),
        fn("retry", 100, 160, 52, 9, 3, cognitive=12, nesting=3, halstead=hal(18, 45, 120, 150)),
    ],
    classes=[ClassInfo(name="Client", kind="struct", start_line=10, end_line=18,
                       fields=[Member(name="http", line=11), Member(name="base", line=12)])],
    imports=[ImportInfo(module="net/http", line=3), ImportInfo(module="time", line=4)],
)

# What the skeleton's lizard-based analyzer gives: only nloc and functions.
TABLES_C = FileAnalysis(
    language="c", nloc=2450,
    functions=[fn("crc_table_init", 10, 2400, 2380, 3, 0),
               fn("crc_update", 2405, 2460, 48, 24, 3)],
)

SERVICE_JAVA = FileAnalysis(
    language="java", nloc=820, lines=1150, sloc=820, comments=240, blank=90, mi=12.5,
    halstead=hal(45, 600, 3000, 4100),
    functions=[fn(f"get{i}", 20 + i * 20, 35 + i * 20, 12, 2, 0, qualified=f"Service.get{i}",
                  kind="method", cognitive=1, nesting=1, halstead=hal(8, 10, 30, 40))
               for i in range(40)],
    classes=[ClassInfo(name="Service", kind="class", start_line=5, end_line=1150,
                       bases=["AbstractService", "Closeable"],
                       methods=[Member(name=f"get{i}", line=20 + i * 20, visibility="public")
                                for i in range(40)],
                       fields=[Member(name="log", line=7, visibility="private", static=True)])],
)

UTIL_TS = FileAnalysis(
    language="typescript", nloc=30, lines=40, sloc=30, comments=4, blank=6, mi=78.0,
    functions=[fn("clamp", 3, 9, 6, 3, 3, cognitive=2, nesting=1, halstead=hal(6, 8, 14, 20))],
    imports=[ImportInfo(module="./types", names=["Range"], kind="type-only", line=1)],
)

RESULTS: dict[str, FileAnalysis] = {
    "src/inventory/parser.py": PARSER_PY,
    "src/net/client.go": CLIENT_GO,
    "src/gen/tables.c": TABLES_C,
    "src/java/Service.java": SERVICE_JAVA,
    "web/util.ts": UTIL_TS,
    "src/broken.py": FileAnalysis(
        language="python", error=FileError(path="", kind="analyzer", message="recursion limit")),
}
LANGUAGES: dict[str, Language] = {
    "src/inventory/parser.py": "python", "src/net/client.go": "go", "src/gen/tables.c": "c",
    "src/java/Service.java": "java", "web/util.ts": "typescript", "src/broken.py": "python",
    "src/lost.rs": "rust",
}


def sha(path: str) -> str:
    import hashlib

    return hashlib.sha256(path.encode()).hexdigest()


def manifest(root: str = "/work/repo") -> JobManifest:
    files = [SourceFile(path=path, sha256=sha(path), size=1000, language=language)
             for path, language in LANGUAGES.items()]
    return JobManifest(
        job="20261125T020000-abcd1234", root=root, files=files,
        errors=[FileError(path="vendor/blob.c", kind="binary", message="NUL byte at 7")],
        skipped=[SkippedFile(path="dist/app.min.js", reason="minified")],
        submitted="2026-11-25T02:00:00.000Z")


FAILED = [Task(task="t9", job="20261125T020000-abcd1234", requires=["lang:rust"],
               files=[SourceFile(path="src/lost.rs", sha256=sha("src/lost.rs"), size=1000,
                                 language="rust")],
               state="failed", error="worker died 4 times")]
