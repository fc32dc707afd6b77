"""The report built from real analysis results: every field carried, summaries that add up."""

from __future__ import annotations

import io
import json

import pytest
from report_samples import (
    CLIENT_GO,
    FAILED,
    PARSER_PY,
    RESULTS,
    SERVICE_JAVA,
    TABLES_C,
    UTIL_TS,
    manifest,
    sha,
)
from rich.console import Console

from mesh.findings import DEFAULT_SETTINGS, file_findings
from mesh.models import SEVERITIES, FileAnalysis
from mesh.report import LanguageSummary, Report, ReportFile, build_report, render_table, to_json


@pytest.fixture
def report() -> Report:
    return build_report(manifest(), RESULTS, FAILED, "2026-11-25T02:00:00.000Z",
                        "2026-11-25T02:00:09.000Z")


def test_every_manifest_file_is_a_file_or_an_error(report: Report) -> None:
    assert [f.path for f in report.files] == [
        "src/gen/tables.c", "src/inventory/parser.py", "src/java/Service.java",
        "src/net/client.go", "web/util.ts"]
    assert [(e.path, e.kind, e.message) for e in report.errors] == [
        ("src/broken.py", "analyzer", "recursion limit"),
        ("src/lost.rs", "task-failed", "worker died 4 times"),
        ("vendor/blob.c", "binary", "NUL byte at 7")]
    assert [s.path for s in report.skipped] == ["dist/app.min.js"]


def test_files_carry_every_analysis_field(report: Report) -> None:
    carried = set(FileAnalysis.model_fields) - {"error"}
    assert carried | {"path", "sha256", "detected_by", "dialect"} == set(ReportFile.model_fields)
    by_path = {f.path: f for f in report.files}
    for path, analysis in RESULTS.items():
        if analysis.error is not None:
            continue
        item = by_path[path]
        assert item.sha256 == sha(path)
        for name in carried - {"findings"}:
            assert getattr(item, name) == getattr(analysis, name), (path, name)
        language = DEFAULT_SETTINGS.for_language(analysis.language)
        assert item.findings == file_findings(path, analysis, language)
    parser = by_path["src/inventory/parser.py"]
    assert parser.partial and parser.parse_errors == [201]
    assert parser.functions[1].qualified_name == "Parser.parse"
    assert parser.functions[1].halstead.N2 == 80
    assert [i.kind for i in parser.imports] == ["static", "relative", "conditional"]
    assert parser.classes[0].bases == ["Base"]
    assert parser.ast.error_nodes == 1


def test_json_has_the_contract_names(report: Report) -> None:
    data = json.loads(to_json(report))
    parser = next(f for f in data["files"] if f["path"] == "src/inventory/parser.py")
    assert set(parser) >= {"path", "language", "sha256", "nloc", "functions", "lines", "sloc",
                           "comments", "blank", "halstead", "mi", "classes", "imports",
                           "findings", "partial", "parse_errors", "ast"}
    function = parser["functions"][1]
    assert set(function) >= {"name", "long_name", "start_line", "end_line", "nloc", "ccn",
                             "params", "tokens", "kind", "qualified_name", "cognitive",
                             "max_nesting", "halstead"}
    assert set(function["halstead"]) == {"n1", "n2", "N1", "N2", "vocabulary", "length",
                                         "volume", "difficulty", "effort", "time", "bugs"}
    assert set(parser["classes"][0]) == {"name", "kind", "bases", "methods", "fields",
                                         "start_line", "end_line"}
    assert set(parser["imports"][0]) == {"module", "names", "kind", "line"}
    assert set(parser["findings"][0]) >= {"rule", "severity", "message", "line", "fingerprint"}
    assert Report.model_validate(data) == report


def test_summary_totals_and_averages(report: Report) -> None:
    s = report.summary
    functions = [fn for a in (PARSER_PY, CLIENT_GO, TABLES_C, SERVICE_JAVA, UTIL_TS)
                 for fn in a.functions]
    assert (s.files, s.functions, s.errors, s.skipped) == (5, len(functions), 3, 1)
    assert s.nloc == 212 + 140 + 2450 + 820 + 30
    assert s.lines == 268 + 171 + 0 + 1150 + 40
    assert (s.comments, s.blank) == (21 + 18 + 240 + 4, 35 + 13 + 90 + 6)
    assert (s.classes, s.imports, s.partial) == (3, 6, 1)
    assert s.ccn == sum(fn.ccn for fn in functions) == 185
    assert s.ccn_avg == round(185 / 51, 2) == 3.63
    assert (s.ccn_max, s.cognitive_max, s.max_nesting) == (31, 48, 6)
    assert s.cognitive == sum(fn.cognitive for fn in functions)
    assert s.function_nloc_avg == round(sum(fn.nloc for fn in functions) / 51, 2)
    assert s.halstead_volume == round(sum(a.halstead.volume for a in (
        PARSER_PY, CLIENT_GO, TABLES_C, SERVICE_JAVA, UTIL_TS)), 2)
    assert s.mi_avg == round((31.7 + 52.4 + 100.0 + 12.5 + 78.0) / 5, 2)
    assert s.mi_min == 12.5
    assert s.findings == {"info": 0, "minor": 5, "major": 1, "critical": 4, "blocker": 2}
    assert list(s.findings) == list(SEVERITIES)
    assert s.findings_by_rule == {
        "complexity.cognitive": 1, "complexity.cyclomatic": 3, "complexity.halstead-effort": 2,
        "complexity.nesting": 1, "size.class": 1, "size.file": 1, "size.function": 2,
        "size.parameters": 1}


def test_language_summaries_add_up_to_the_total(report: Report) -> None:
    s = report.summary
    assert list(s.languages) == ["c", "go", "java", "python", "typescript"]
    python = s.languages["python"]
    assert (python.files, python.functions, python.ccn, python.ccn_max) == (1, 6, 50, 31)
    assert python.ccn_avg == round(50 / 6, 2)
    assert python.findings == {"info": 0, "minor": 3, "major": 0, "critical": 2, "blocker": 1}
    c = s.languages["c"]  # the skeleton's analyzer: defaults everywhere but nloc and functions
    assert (c.cognitive, c.halstead_effort, c.mi_avg, c.lines) == (0, 0.0, 100.0, 0)
    for name in ("files", "nloc", "functions", "lines", "ccn", "cognitive", "classes"):
        assert getattr(s, name) == sum(getattr(lang, name) for lang in s.languages.values())
    for severity in SEVERITIES:
        assert s.findings[severity] == sum(lang.findings[severity]
                                           for lang in s.languages.values())


def test_empty_report_has_null_mi_and_zero_averages() -> None:
    m = manifest().model_copy(update={"files": [], "errors": [], "skipped": []})
    report = build_report(m, {}, [], "s", "f")
    assert report.summary.model_dump(exclude={"languages", "findings"}) == \
        LanguageSummary(files=0).model_dump(exclude={"findings"}) | {"errors": 0, "skipped": 0}
    assert report.summary.mi_avg is None and report.summary.languages == {}
    assert json.loads(to_json(report))["summary"]["mi_avg"] is None


def test_table_shows_languages_functions_findings_and_errors(report: Report) -> None:
    out = io.StringIO()
    render_table(report, Console(file=out, width=200, color_system=None))
    text = out.getvalue()
    assert "\x1b[" not in text
    assert "10 most complex functions" in text
    assert "Parser.parse" in text and "src/inventory/parser.py:21" in text
    assert "12 findings (2 blocker, 4 critical, 1 major, 5 minor)" in text
    assert "complexity.halstead-effort" in text
    assert "vendor/blob.c" in text and "binary" in text
    assert "12 findings, 3 errors" in text
    # Most severe first: the blockers come before any minor finding.
    assert text.index("blocker") < text.index(" minor ")
