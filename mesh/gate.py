"""The quality gate: `--fail-on` conditions such as `ccn>15`, `mi<20`, `severity>=major`.

A condition is METRIC OP VALUE. It is parsed with one regular expression and a table of known
metrics — never `eval` — and checked against a built report: it *fails* when at least one
function, file, class or finding matches it (or, for a whole-report metric such as `errors`,
when the report's value does). Pure: no I/O; `mesh.analyze` prints and sets the exit code.
Every metric is described in `docs/findings.md`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from mesh.findings import SEVERITY_RANK
from mesh.models import SEVERITIES, ClassInfo, Finding, FunctionMetrics
from mesh.report import Report, ReportFile

Scope = Literal["function", "file", "class", "finding", "report"]

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b, "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b, ">": lambda a, b: a > b, "<": lambda a, b: a < b,
}
_EXPRESSION = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|==|!=|>|<|=)\s*(\S+?)\s*")
_NUMBER = re.compile(r"[0-9][0-9_]*(?:\.[0-9]+)?")


class GateError(ValueError):
    """An expression that is not a condition; the message says what is wrong, in one line."""


@dataclass(frozen=True)
class Metric:
    name: str
    scope: Scope
    help: str

    def noun(self, count: int) -> str:
        """What a match is: '1 function', '3 classes'."""
        one = {"function": "function", "file": "file", "class": "class", "finding": "finding"}
        word = one.get(self.scope, self.scope)
        return word if count == 1 else "classes" if word == "class" else word + "s"


_FUNCTION_METRICS: dict[str, Callable[[FunctionMetrics], float]] = {
    "ccn": lambda fn: fn.ccn,
    "cognitive": lambda fn: fn.cognitive,
    "nloc": lambda fn: fn.nloc,
    "params": lambda fn: fn.params,
    "tokens": lambda fn: fn.tokens,
    "max_nesting": lambda fn: fn.max_nesting,
    "halstead_volume": lambda fn: fn.halstead.volume,
    "halstead_difficulty": lambda fn: fn.halstead.difficulty,
    "halstead_effort": lambda fn: fn.halstead.effort,
    "halstead_bugs": lambda fn: fn.halstead.bugs,
}
_FILE_METRICS: dict[str, Callable[[ReportFile], float]] = {
    "mi": lambda f: f.mi,
    "file_nloc": lambda f: f.nloc,
    "lines": lambda f: f.lines,
    "sloc": lambda f: f.sloc,
    "comments": lambda f: f.comments,
    "blank": lambda f: f.blank,
}
_CLASS_METRICS: dict[str, Callable[[ClassInfo], float]] = {
    "class_methods": lambda c: len(c.methods),
    "class_fields": lambda c: len(c.fields),
    "class_lines": lambda c: max(c.end_line - c.start_line + 1, 0),
}
_REPORT_METRICS: dict[str, Callable[[Report], float | None]] = {
    "errors": lambda r: len(r.errors),
    "skipped": lambda r: len(r.skipped),
    "findings": lambda r: sum(r.summary.findings.values()),
    "partial": lambda r: r.summary.partial,
    "ccn_avg": lambda r: r.summary.ccn_avg,
    "cognitive_avg": lambda r: r.summary.cognitive_avg,
    "mi_avg": lambda r: r.summary.mi_avg,
}

METRICS: dict[str, Metric] = {
    **{name: Metric(name, "function", "per function") for name in _FUNCTION_METRICS},
    **{name: Metric(name, "file", "per file") for name in _FILE_METRICS},
    **{name: Metric(name, "class", "per class") for name in _CLASS_METRICS},
    "severity": Metric("severity", "finding", "per finding, by severity"),
    "rule": Metric("rule", "finding", "per finding, by rule id (== or !=)"),
    **{name: Metric(name, "report", "whole report") for name in _REPORT_METRICS},
}


@dataclass(frozen=True)
class Condition:
    text: str  # normalized, e.g. "ccn>15"
    metric: str
    op: str
    value: float | str  # a number, a severity name or a rule id

    def holds(self, value: float | str | None) -> bool:
        if value is None:
            return False
        if self.metric == "rule":
            return (value == self.value) == (self.op == "==")
        if self.metric == "severity":
            return OPERATORS[self.op](SEVERITY_RANK[str(value)], SEVERITY_RANK[str(self.value)])
        return OPERATORS[self.op](float(value), float(self.value))


def parse(text: str) -> Condition:
    """`ccn>15` -> Condition; GateError with a one-line reason for anything else."""
    match = _EXPRESSION.fullmatch(text)
    if match is None or match.group(3)[0] in "<>=!":
        raise GateError(f"{text!r} is not METRIC OP VALUE (e.g. ccn>15, severity>=major; "
                        f"OP is one of > >= < <= == !=)")
    name, op, raw = match.groups()
    name, op = name.lower(), "==" if op == "=" else op
    if name not in METRICS:
        raise GateError(f"unknown metric {name!r} in {text!r}; known: {', '.join(METRICS)}")
    value: float | str
    if name == "severity":
        if raw not in SEVERITIES:
            raise GateError(f"unknown severity {raw!r} in {text!r}; known: "
                            f"{', '.join(SEVERITIES)}")
        value = raw
    elif name == "rule":
        if op not in ("==", "!="):
            raise GateError(f"{text!r}: a rule can only be compared with == or !=")
        value = raw
    else:
        if not _NUMBER.fullmatch(raw) or not math.isfinite(float(raw.replace("_", ""))):
            raise GateError(f"{raw!r} in {text!r} is not a number")
        value = float(raw.replace("_", ""))
        raw = str(int(value)) if value.is_integer() else str(value)
    return Condition(text=f"{name}{op}{raw}", metric=name, op=op, value=value)


@dataclass
class GateFailure:
    """A condition that failed: what matched (e.g. '3 functions'), and the worst few."""

    condition: Condition
    matched: str
    count: int
    examples: list[str] = field(default_factory=list)

    def describe(self) -> str:
        text = f"{self.condition.text}: {self.matched}"
        if self.examples:
            more = ", ..." if self.count > len(self.examples) else ""
            text += f" ({', '.join(self.examples)}{more})"
        return text


EXAMPLES = 3


def _show(value: float) -> str:
    """A value as people write it: 31, 12.5, 257226.08 (no exponent, at most 2 decimals)."""
    return str(int(value)) if float(value).is_integer() else \
        f"{value:.2f}".rstrip("0").rstrip(".")


def _items(report: Report, metric: Metric) -> Iterator[tuple[float | str, str]]:
    """(value, where) for every function, file, class or finding of the report."""
    name = metric.name
    for f in report.files:
        if metric.scope == "function":
            for fn in f.functions:
                value = _FUNCTION_METRICS[name](fn)
                yield value, f"{f.path}:{fn.start_line} {fn.qualified_name or fn.name} " \
                             f"({name} {_show(value)})"
        elif metric.scope == "file":
            value = _FILE_METRICS[name](f)
            yield value, f"{f.path} ({name} {_show(value)})"
        elif metric.scope == "class":
            for cls in f.classes:
                value = _CLASS_METRICS[name](cls)
                yield value, f"{f.path}:{cls.start_line} {cls.name} ({name} {_show(value)})"
        else:
            for finding in f.findings:
                yield _finding_value(finding, name), \
                    f"{f.path}:{finding.line} {finding.rule} ({finding.severity})"


def _finding_value(finding: Finding, metric: str) -> str:
    return finding.severity if metric == "severity" else finding.rule


def check(report: Report, condition: Condition) -> GateFailure | None:
    """The failure of one condition on the report, or None when it passes."""
    metric = METRICS[condition.metric]
    if metric.scope == "report":
        total = _REPORT_METRICS[metric.name](report)
        if not condition.holds(total):
            return None
        assert total is not None  # holds() is False for None
        examples = [f"{e.path}: {e.kind}" for e in report.errors] if metric.name == "errors" \
            else [f.path for f in report.files if f.partial] if metric.name == "partial" \
            else []
        return GateFailure(condition, f"{metric.name} is {_show(total)}", len(examples),
                           examples[:EXAMPLES])
    matches = [(value, where) for value, where in _items(report, metric)
               if condition.holds(value)]
    if not matches:
        return None
    if metric.name == "severity":
        matches.sort(key=lambda m: SEVERITY_RANK[str(m[0])], reverse=True)
    elif metric.name != "rule" and condition.op != "==":
        matches.sort(key=lambda m: float(m[0]), reverse=condition.op in (">", ">=", "!="))
    return GateFailure(condition, f"{len(matches)} {metric.noun(len(matches))}", len(matches),
                       [where for _, where in matches[:EXAMPLES]])


def evaluate(report: Report, conditions: list[Condition]) -> list[GateFailure]:
    """The failed conditions, in the order given (each condition once)."""
    seen: set[str] = set()
    failures = []
    for condition in conditions:
        if condition.text in seen:
            continue
        seen.add(condition.text)
        failure = check(report, condition)
        if failure is not None:
            failures.append(failure)
    return failures
