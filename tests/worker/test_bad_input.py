"""Hostile inputs through the real analysis pool (child processes, per-file time budget): each
file is either analyzed or reported as that file's error, and the pool keeps working."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Iterator

import pytest

from mesh.models import FileAnalysis, Language
from worker.executor import AnalysisPool

BUDGET = 20.0


@pytest.fixture(scope="module")
def pool() -> Iterator[AnalysisPool]:
    analysis = AnalysisPool(1, file_timeout=BUDGET)
    yield analysis
    analysis.close()


def run(pool: AnalysisPool, data: bytes, language: Language,
        name: str) -> tuple[FileAnalysis, float]:
    start = time.monotonic()
    result = asyncio.run(pool.analyze(data, language, name))
    return result, time.monotonic() - start


def still_works(pool: AnalysisPool) -> None:
    result, _ = run(pool, b"def ok(a):\n    return a or 1\n", "python", "ok.py")
    assert result.error is None and [f.name for f in result.functions] == ["ok"]


def minified_js(size: int) -> bytes:
    rng = random.Random(7)
    parts = []
    while sum(map(len, parts)) < size:
        n = rng.randrange(10**6)
        parts.append(f"function f{n}(a,b){{if(a&&b||!a){{for(var i=0;i<a;i++){{b+=i?1:2}}}}"
                     f"return a>b?a:b}}var v{n}=function(x){{return x*{n}}};")
    return "".join(parts).encode()


def generated_c(lines: int) -> bytes:
    body = [f"static const int table_{i}[] = {{{i}, {i + 1}, {i + 2}}};" for i in range(lines // 2)]
    funcs = [f"int get_{i}(int k) {{ return k > {i} ? table_{i}[0] : table_{i}[1]; }}"
             for i in range(lines // 2)]
    return "\n".join(body + funcs).encode() + b"\n"


CASES: list[tuple[str, Language, bytes]] = [
    ("bundle.js", "javascript", minified_js(5 * 1024 * 1024)),
    ("generated.c", "c", generated_c(50_000)),
    ("nested.py", "python", b"x = " + b"(" * 5000 + b"1" + b")" * 5000 + b"\n"),
    ("nested_ifs.c", "c", b"int f(int a) {\n" + b"if (a) {\n" * 3000 + b"a++;\n"
     + b"}\n" * 3000 + b"return a; }\n"),
    ("braces.js", "javascript", b"var a = " + b"[" * 20000 + b"]" * 20000 + b";\n"),
    ("invalid.py", "python", b"def f(a):\n    return '\xff\xfe\xc3\x28'\n# \x80\x81\n"),
    ("nul.go", "go",
     b"package main\n" + b"// pad\n" * 2000 + b"func f() {}\x00\x00\nfunc g() {}\n"),
    ("garbage.rs", "rust", bytes(random.Random(3).randrange(1, 256) for _ in range(200_000))),
    ("empty.java", "java", b""),
]


@pytest.mark.timeout(600)
@pytest.mark.parametrize(("name", "language", "data"), CASES, ids=[c[0] for c in CASES])
def test_hostile_file_is_measured_or_reported(pool: AnalysisPool, name: str, language: Language,
                                             data: bytes) -> None:
    result, seconds = run(pool, data, language, name)
    assert seconds < BUDGET + 30
    assert result.language == language
    if result.error is not None:
        assert result.error.kind in ("timeout", "crash", "analyzer")
        assert result.error.message
    else:
        assert result.nloc >= 0
    still_works(pool)


def test_overrun_budget_is_a_timeout_and_the_pool_recovers() -> None:
    tight = AnalysisPool(1, file_timeout=0.05)
    try:
        result, seconds = run(tight, minified_js(2 * 1024 * 1024), "javascript", "big.js")
        assert result.error is not None and result.error.kind == "timeout"
        assert "0.05" in result.error.message
        assert seconds < 30
        relaxed = AnalysisPool(1, file_timeout=BUDGET)
        try:
            still_works(relaxed)
        finally:
            relaxed.close()
        tight.file_timeout = BUDGET  # the same pool, its killed child replaced, works again
        still_works(tight)
    finally:
        tight.close()


def test_batch_with_one_bad_file_isolates_it() -> None:
    batch_pool = AnalysisPool(1, file_timeout=BUDGET)
    try:
        items: list[tuple[bytes, Language, str]] = [
            (b"def a():\n    return 1\n", "python", "a.py"),
            (b"", "python", "empty.py"),
            (b"int main(void) { return 0; }\n", "c", "m.c"),
        ]
        results = asyncio.run(batch_pool.analyze_batch(items))
        assert [r.language for r in results] == ["python", "python", "c"]
        assert [len(r.functions) for r in results] == [1, 0, 1]
    finally:
        batch_pool.close()
