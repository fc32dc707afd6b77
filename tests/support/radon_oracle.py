"""radon as the oracle for Python's Halstead metrics and maintainability index.

`radon_report` runs radon's own functions on a file's text as radon's CLI reads it (text mode,
so universal newlines): `h_visit` is what `radon hal` (and `hal -f` for functions) prints,
`mi_visit(code, multi=True)` what `radon mi -s` prints. `Agreement` measures how far our
analyzer agrees with it, per file and per function, within a relative tolerance (issue #4: 1%).
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from radon.metrics import h_visit, mi_parameters, mi_visit

from mesh.models import FileAnalysis, Halstead

FIELDS = ("n1", "n2", "N1", "N2", "vocabulary", "length", "volume", "difficulty", "effort",
          "time", "bugs")
RADON_FIELDS = ("h1", "h2", "N1", "N2", "vocabulary", "length", "volume", "difficulty",
                "effort", "time", "bugs")  # radon's names for FIELDS, in the same order


@dataclass(frozen=True)
class RadonReport:
    halstead: dict[str, float]
    functions: list[tuple[str, dict[str, float]]]  # what `radon hal -f` lists, in its order
    mi: float
    mi_parameters: tuple[float, int, int, float]  # volume, complexity, LLOC, comment percent


def as_radon_reads(data: bytes) -> str:
    """The text radon's CLI analyzes: the file opened in text mode (universal newlines)."""
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline=None).read()


def radon_report(data: bytes) -> RadonReport:
    """radon's view of a file; raises SyntaxError where radon cannot parse it."""
    code = as_radon_reads(data)
    result = h_visit(code)
    params = mi_parameters(code, True)
    return RadonReport(
        halstead=_fields(result.total),
        functions=[(name, _fields(report)) for name, report in result.functions],
        mi=mi_visit(code, True),
        mi_parameters=(params[0], params[1], params[2], params[3]),
    )


def _fields(report: object) -> dict[str, float]:
    return {ours: float(getattr(report, theirs)) for ours, theirs in zip(FIELDS, RADON_FIELDS,
                                                                           strict=True)}


def ours(halstead: Halstead) -> dict[str, float]:
    return {name: float(getattr(halstead, name)) for name in FIELDS}


def close(a: float, b: float, tolerance: float) -> bool:
    return math.isclose(a, b, rel_tol=tolerance, abs_tol=1e-9)


def radon_functions(result: FileAnalysis) -> list[str]:
    """Our functions that radon reports too (top-level functions and methods of classes not
    nested in a function), as qualified names in source order."""
    return [f.qualified_name for f in result.functions
            if f.kind in ("function", "method", "constructor")]


@dataclass
class Agreement:
    """Files and functions whose every Halstead field (and, per file, MI) is within
    `tolerance` of radon's, relative; `exact` counts the ones equal to the last bit."""

    tolerance: float = 0.01
    files: int = 0
    files_halstead: int = 0
    files_mi: int = 0
    files_exact: int = 0
    functions: int = 0  # functions radon reports
    functions_matched: int = 0  # of those, found by us at the same position and name
    functions_halstead: int = 0
    functions_exact: int = 0
    mismatches: list[str] = field(default_factory=list)

    def add(self, path: str, result: FileAnalysis, radon: RadonReport) -> None:
        self.files += 1
        mine = ours(result.halstead)
        if all(close(mine[k], radon.halstead[k], self.tolerance) for k in FIELDS):
            self.files_halstead += 1
        else:
            self.mismatches.append(f"{path}: halstead {_diff(mine, radon.halstead)}")
        if close(result.mi, radon.mi, self.tolerance):
            self.files_mi += 1
        else:
            self.mismatches.append(f"{path}: mi {result.mi:.4f} vs radon {radon.mi:.4f} "
                                   f"(radon's inputs {radon.mi_parameters})")
        if all(mine[k] == radon.halstead[k] for k in FIELDS) and result.mi == radon.mi:
            self.files_exact += 1
        self._functions(path, result, radon.functions)

    def _functions(self, path: str, result: FileAnalysis,
                   theirs: Iterable[tuple[str, dict[str, float]]]) -> None:
        candidates = [f for f in result.functions
                      if f.kind in ("function", "method", "constructor")]
        theirs = list(theirs)
        self.functions += len(theirs)
        if [f.name for f in candidates] != [name for name, _ in theirs]:
            self.mismatches.append(f"{path}: functions {[f.name for f in candidates]} vs radon "
                                   f"{[name for name, _ in theirs]}")
            return
        for fn, (name, report) in zip(candidates, theirs, strict=True):
            self.functions_matched += 1
            mine = ours(fn.halstead)
            if all(close(mine[k], report[k], self.tolerance) for k in FIELDS):
                self.functions_halstead += 1
            else:
                self.mismatches.append(f"{path}:{fn.start_line} {name}: {_diff(mine, report)}")
            if all(mine[k] == report[k] for k in FIELDS):
                self.functions_exact += 1

    def summary(self) -> str:
        return (f"files: {self.files}, Halstead within {self.tolerance:.0%}: "
                f"{self.files_halstead} ({_pct(self.files_halstead, self.files)}), MI within "
                f"{self.tolerance:.0%}: {self.files_mi} ({_pct(self.files_mi, self.files)}), "
                f"exact: {self.files_exact}; functions: {self.functions}, matched "
                f"{self.functions_matched}, Halstead within {self.tolerance:.0%}: "
                f"{self.functions_halstead} ({_pct(self.functions_halstead, self.functions)}), "
                f"exact: {self.functions_exact}")


def _pct(part: int, whole: int) -> str:
    return f"{part / whole:.2%}" if whole else "n/a"


def _diff(mine: dict[str, float], theirs: dict[str, float]) -> str:
    return ", ".join(f"{k} {mine[k]:g} vs {theirs[k]:g}" for k in ("n1", "n2", "N1", "N2")
                     if mine[k] != theirs[k]) or "derived fields differ"
