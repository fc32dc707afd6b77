"""The report's documentation covers every field the report has."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from mesh.models import (
    AstSummary,
    ClassInfo,
    FileError,
    Finding,
    FunctionMetrics,
    Halstead,
    ImportInfo,
    Member,
    SkippedFile,
)
from mesh.report import LanguageSummary, Report, ReportFile, Summary, Tool

DOC = Path(__file__).resolve().parents[2] / "docs" / "report.md"


def test_every_report_field_is_documented() -> None:
    documented = set(re.findall(r"`([A-Za-z_0-9]+)`", DOC.read_text()))
    models: list[type[BaseModel]] = [Report, Summary, LanguageSummary, ReportFile,
                                     FunctionMetrics, FileError, SkippedFile, Tool, Halstead,
                                     ClassInfo, Member, ImportInfo, Finding, AstSummary]
    missing = {f"{m.__name__}.{name}" for m in models for name in m.model_fields
               if name not in documented}
    assert missing == set()


FINDINGS_DOC = DOC.parent / "findings.md"


def test_every_rule_threshold_gate_metric_and_csv_column_is_documented() -> None:
    from mesh import gate
    from mesh.findings import RULE_IDS, Thresholds
    from mesh.formats import CSV_COLUMNS

    documented = set(re.findall(r"`([A-Za-z_0-9.\-]+)`", FINDINGS_DOC.read_text()))
    names = {*RULE_IDS, *Thresholds.model_fields, *gate.METRICS, *CSV_COLUMNS}
    assert names - documented == set()
