"""Which analyzer handles which language: plug-ins from the `codemesh.analyzers` entry points,
lizard for any language no plug-in covers.

A plug-in is a class with a `language` attribute, an `id` (part of every cached result's key)
and `analyze(data, name) -> FileAnalysis`, and optionally `dialect(name) -> str` when the file's
name can change its result (also part of the key); another package adds a language by declaring an
entry point, without touching codemesh. A plug-in that fails to load is logged and left out, so
the worker does not advertise `lang:X` for it.
"""

from __future__ import annotations

import logging
from functools import cache
from importlib.metadata import entry_points
from typing import Protocol

from mesh.models import LANGUAGES, FileAnalysis, Language
from worker import analysis as lizard_analysis

log = logging.getLogger("codemesh.analyzers")

GROUP = "codemesh.analyzers"


class Analyzer(Protocol):
    language: Language

    @property
    def id(self) -> str: ...

    def analyze(self, data: bytes, name: str = "") -> FileAnalysis: ...


class LizardAnalyzer:
    """lizard's metrics, for a language with no tree-sitter analyzer."""

    def __init__(self, language: Language) -> None:
        self.language = language

    @property
    def id(self) -> str:
        return lizard_analysis.ANALYZER_ID

    def analyze(self, data: bytes, name: str = "") -> FileAnalysis:
        return lizard_analysis.analyze(data, self.language, name)


@cache
def analyzers() -> dict[Language, Analyzer]:
    """One analyzer per language, loaded once per process."""
    found: dict[Language, Analyzer] = {}
    for entry in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        try:
            analyzer = entry.load()()
        except Exception as exc:  # a broken plug-in must not take the worker down
            log.warning("analyzer plug-in failed to load", extra={"plugin": entry.name,
                                                                  "error": str(exc)})
            continue
        if analyzer.language in LANGUAGES and analyzer.language not in found:
            found[analyzer.language] = analyzer
    for language in LANGUAGES:
        found.setdefault(language, LizardAnalyzer(language))
    return found


def result_id(language: Language, name: str) -> str:
    """The analyzer part of a cached result's key for a file: the analyzer's id, plus the
    dialect it chooses by the file's name when that can change the result (TypeScript's
    `.tsx` grammar), so equal bytes named differently never share a wrong result."""
    analyzer = analyzers()[language]
    dialect = getattr(analyzer, "dialect", None)
    chosen = dialect(name) if callable(dialect) else ""
    return f"{analyzer.id}+{chosen}" if chosen else analyzer.id


def analyze(data: bytes, language: Language, name: str = "") -> FileAnalysis:
    return analyzers()[language].analyze(data, name)
