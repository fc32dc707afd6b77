"""Findings (code smells) from one file's metrics and the project's thresholds.

Pure functions of a `FileAnalysis`, its path and a `Thresholds`: no I/O, no configuration loading
(that is `mesh.config`). They run when the report is built, not in the worker, so changing a
threshold never invalidates a cached analysis. Rules, ids and defaults: `docs/findings.md`.

A fingerprint names *what* a finding is about (rule, file, function or class, and which one of
several with the same name), never *where* it is or how bad: it survives edits elsewhere in the
file and the metric getting better or worse, so CI tools can track one finding across commits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field

from mesh.models import (
    SEVERITIES,
    ClassInfo,
    FileAnalysis,
    Finding,
    FunctionMetrics,
    Severity,
)

FINGERPRINT_VERSION = "v1"
"""Part of every fingerprint: bumped only if the recipe changes (then every finding is 'new')."""


class Thresholds(BaseModel):
    """The largest value that raises no finding: a finding when the value is *greater*."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ccn: int = Field(default=15, ge=0)
    cognitive: int = Field(default=15, ge=0)
    nloc: int = Field(default=100, ge=0)  # per function
    params: int = Field(default=7, ge=0)
    max_nesting: int = Field(default=4, ge=0)
    halstead_effort: float = Field(default=64_800.0, ge=0)  # per function: 1 h of Halstead time
    class_methods: int = Field(default=35, ge=0)
    class_fields: int = Field(default=20, ge=0)
    class_lines: int = Field(default=1000, ge=0)
    file_nloc: int = Field(default=1000, ge=0)


DEFAULT_THRESHOLDS = Thresholds()

LANGUAGE_DEFAULTS: dict[str, dict[str, float]] = {
    # Python's Halstead follows radon, which counts only the operators of expressions (not calls,
    # assignments or keywords), so its effort is some 50 times smaller than a token-based count.
    "python": {"halstead_effort": 1_000.0},
}
"""Built-in per-language defaults, used where the project sets no value of its own."""


@dataclass(frozen=True)
class RuleSettings:
    """Everything the rules need from a project's configuration: thresholds per language and
    the rules turned off. Build one with `resolve`, which applies the built-in defaults."""

    thresholds: Thresholds = DEFAULT_THRESHOLDS
    languages: Mapping[str, Thresholds] = field(default_factory=dict)
    disabled: frozenset[str] = frozenset()

    def for_language(self, language: str) -> Thresholds:
        return self.languages.get(language, self.thresholds)


def resolve(project: Mapping[str, float] | None = None,
            per_language: Mapping[str, Mapping[str, float]] | None = None,
            disabled: Iterable[str] = ()) -> RuleSettings:
    """Thresholds for each language, most specific first: the project's value for the language,
    the project's value for all languages, the built-in value for the language, the built-in
    value for all languages."""
    project = dict(project or {})
    per_language = per_language or {}
    languages: dict[str, Thresholds] = {}
    for language in set(LANGUAGE_DEFAULTS) | set(per_language):
        values = {**LANGUAGE_DEFAULTS.get(language, {}), **project,
                  **per_language.get(language, {})}
        languages[language] = Thresholds.model_validate(values)
    return RuleSettings(thresholds=Thresholds.model_validate(project), languages=languages,
                        disabled=frozenset(disabled))


DEFAULT_SETTINGS = resolve()


@dataclass(frozen=True)
class Rule:
    id: str
    name: str  # PascalCase, for SARIF's reportingDescriptor.name
    summary: str
    threshold: str  # the Thresholds field(s) it compares against, for the docs and SARIF
    scope: str  # function, class or file


RULES: tuple[Rule, ...] = (
    Rule("complexity.cyclomatic", "HighCyclomaticComplexity",
         "Function has too many independent paths (cyclomatic complexity).", "ccn", "function"),
    Rule("complexity.cognitive", "HighCognitiveComplexity",
         "Function is hard to understand (cognitive complexity).", "cognitive", "function"),
    Rule("complexity.nesting", "DeepNesting",
         "Function nests control flow too deeply.", "max_nesting", "function"),
    Rule("complexity.halstead-effort", "LargeHalsteadEffort",
         "Function takes a large mental effort to write or read (Halstead effort).",
         "halstead_effort", "function"),
    Rule("size.function", "LongFunction",
         "Function has too many lines of code.", "nloc", "function"),
    Rule("size.parameters", "TooManyParameters",
         "Function takes too many parameters.", "params", "function"),
    Rule("size.class", "LargeClass",
         "Class has too many methods or fields, or too many lines.",
         "class_methods, class_fields, class_lines", "class"),
    Rule("size.file", "LongFile", "File has too many lines of code.", "file_nloc", "file"),
)
RULE_IDS: frozenset[str] = frozenset(rule.id for rule in RULES)
RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}

SEVERITY_RANK: dict[str, int] = {name: rank for rank, name in enumerate(SEVERITIES)}


def severity_for(value: float, threshold: float) -> Severity:
    """How far over the threshold: up to 1.5x minor, up to 2x major, up to 4x critical, beyond
    that blocker. With threshold 15 that is 16-22 minor, 23-30 major, 31-60 critical, 61+
    blocker, close to radon's ranks C (11-20), D (21-30), E-F (31+)."""
    if threshold <= 0:
        return "blocker"
    ratio = value / threshold
    if ratio <= 1.5:
        return "minor"
    if ratio <= 2:
        return "major"
    if ratio <= 4:
        return "critical"
    return "blocker"


def fingerprint(rule: str, path: str, subject: str = "", occurrence: int = 0) -> str:
    """Stable id of a finding: rule, file path, the qualified name of the function or class
    (empty for the file itself) and its occurrence among same-named ones in the file."""
    key = "\0".join((FINGERPRINT_VERSION, rule, path, subject, str(occurrence)))
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def function_name(fn: FunctionMetrics) -> str:
    """The name findings, fingerprints and gates use: qualified where the analyzer knows it."""
    return fn.qualified_name or fn.name


def _occurrences(names: Iterable[str]) -> list[int]:
    """For each name, how many earlier items had the same name (0 for the first)."""
    seen: dict[str, int] = {}
    result = []
    for name in names:
        result.append(seen.get(name, 0))
        seen[name] = result[-1] + 1
    return result


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 1000 or float(value).is_integer() else f"{value:,.1f}"


def file_findings(path: str, analysis: FileAnalysis, thresholds: Thresholds = DEFAULT_THRESHOLDS,
                  disabled: Iterable[str] = ()) -> list[Finding]:
    """Every finding for one file, sorted by line then rule.

    Findings the analyzer itself put in `analysis.findings` are kept unless their rule is one of
    ours (those are recomputed here, with this project's thresholds) or is disabled."""
    off = frozenset(disabled)
    found: list[Finding] = [f for f in analysis.findings
                            if f.rule not in RULE_IDS and f.rule not in off]

    def add(rule: str, value: float, threshold: float, line: int, message: str,
            subject: str = "", occurrence: int = 0, function: str = "") -> None:
        if rule in off or value <= threshold:
            return
        found.append(Finding(rule=rule, severity=severity_for(value, threshold),
                             message=message, line=max(line, 1),
                             fingerprint=fingerprint(rule, path, subject, occurrence),
                             function=function))

    names = [function_name(fn) for fn in analysis.functions]
    for fn, name, index in zip(analysis.functions, names, _occurrences(names), strict=True):
        t = thresholds
        checks: list[tuple[str, float, float, str]] = [
            ("complexity.cyclomatic", fn.ccn, t.ccn,
             f"Cyclomatic complexity of {name} is {fn.ccn} (threshold {t.ccn})"),
            ("complexity.cognitive", fn.cognitive, t.cognitive,
             f"Cognitive complexity of {name} is {fn.cognitive} (threshold {t.cognitive})"),
            ("complexity.nesting", fn.max_nesting, t.max_nesting,
             f"{name} nests control flow {fn.max_nesting} deep (threshold {t.max_nesting})"),
            ("complexity.halstead-effort", fn.halstead.effort, t.halstead_effort,
             f"Halstead effort of {name} is {_number(fn.halstead.effort)} "
             f"(threshold {_number(t.halstead_effort)})"),
            ("size.function", fn.nloc, t.nloc,
             f"{name} has {fn.nloc} lines of code (threshold {t.nloc})"),
            ("size.parameters", fn.params, t.params,
             f"{name} has {fn.params} parameters (threshold {t.params})"),
        ]
        for rule, value, threshold, message in checks:
            add(rule, value, threshold, fn.start_line, message, name, index, name)

    class_names = [c.name for c in analysis.classes]
    for cls, index in zip(analysis.classes, _occurrences(class_names), strict=True):
        finding = _class_finding(path, cls, index, thresholds)
        if finding is not None and "size.class" not in off:
            found.append(finding)

    add("size.file", analysis.nloc, thresholds.file_nloc, 1,
        f"File has {analysis.nloc} lines of code (threshold {thresholds.file_nloc})")
    found.sort(key=lambda f: (f.line, f.rule, f.fingerprint))
    return found


def _class_finding(path: str, cls: ClassInfo, occurrence: int,
                   thresholds: Thresholds) -> Finding | None:
    """One finding per large class, naming every measure that is over its threshold; its
    severity is that of the measure furthest over."""
    lines = max(cls.end_line - cls.start_line + 1, 0)
    measures = [(len(cls.methods), thresholds.class_methods, "methods"),
                (len(cls.fields), thresholds.class_fields, "fields"),
                (lines, thresholds.class_lines, "lines")]
    over = [(value, limit, what) for value, limit, what in measures if value > limit]
    if not over:
        return None
    severity = max((severity_for(value, limit) for value, limit, _ in over),
                   key=SEVERITY_RANK.__getitem__)
    details = ", ".join(f"{value} {what} (threshold {limit})" for value, limit, what in over)
    return Finding(rule="size.class", severity=severity,
                   message=f"{cls.kind.capitalize()} {cls.name} is large: {details}",
                   line=max(cls.start_line, 1),
                   fingerprint=fingerprint("size.class", path, f"class:{cls.name}", occurrence))
