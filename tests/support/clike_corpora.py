"""C and C++ corpora for the analyzer tests: the files `codemesh analyze` would hand to the C
and C++ analyzers (the walk decides, `.h` by content), compared with lizard file by file."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from lizard_compare import Agreement

from mesh.walk import walk
from worker import analysis as lizard
from worker.analyzers.registry import analyzers

CORPORA = Path(os.environ.get("CODEMESH_CORPORA", Path.home() / ".cache/codemesh-corpora"))


@dataclass
class CorpusRun:
    agreement: Agreement
    files: int
    partial: int
    lizard_nloc: int
    our_nloc: int


def corpus(language: str, name: str) -> Path:
    """The fetched corpus `name` of `language`, or skip with the command that fetches it."""
    found = sorted(p for p in (CORPORA / language).glob(f"{name}-[0-9]*")
                   if (p / ".complete").exists())
    if not found:
        pytest.skip(f"corpus {name} not fetched: bash ../shared/corpora/get.sh {language}")
    return found[-1]


def compare(root: Path) -> CorpusRun:
    """Every C and C++ file of a corpus through our analyzer for its language and through lizard
    (`worker.analysis`, held equal to the CLI by tests/worker/test_analysis.py). Partial files
    (tree-sitter found errors) are measured like every other: a function lizard reports and we
    miss counts against us."""
    registry = analyzers()
    run = CorpusRun(Agreement(), 0, 0, 0, 0)
    for source in walk(root).files:
        if source.language not in ("c", "cpp"):
            continue
        data = (root / source.path).read_bytes()
        theirs = lizard.analyze(data, source.language, source.path)
        ours = registry[source.language].analyze(data, source.path)
        assert ours.error is None, ours.error
        run.agreement.add(source.path, ours.functions, theirs.functions)
        run.files += 1
        run.partial += ours.partial
        run.lizard_nloc += theirs.nloc
        run.our_nloc += ours.nloc
    return run
