"""The report's documentation covers every field the report has."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from mesh.models import FileError, FunctionMetrics, SkippedFile
from mesh.report import LanguageSummary, Report, ReportFile, Summary, Tool

DOC = Path(__file__).resolve().parents[2] / "docs" / "report.md"


def test_every_report_field_is_documented() -> None:
    documented = set(re.findall(r"`([a-z_0-9]+)`", DOC.read_text()))
    models: list[type[BaseModel]] = [Report, Summary, LanguageSummary, ReportFile,
                                     FunctionMetrics, FileError, SkippedFile, Tool]
    missing = {f"{m.__name__}.{name}" for m in models for name in m.model_fields
               if name not in documented}
    assert missing == set()
