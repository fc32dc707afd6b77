"""The job report: built from the manifest and the stored results, rendered as JSON or a table.

The JSON field names are a contract that users' scripts and later stages rely on
(`docs/report.md`). Building is pure — findings are computed here from the project's thresholds
(`mesh.findings`), never in the workers, so thresholds stay out of the result cache's keys.
Rendering writes to the console it is given; the CI formats are in `mesh.formats`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pydantic import Field
from rich.console import Console
from rich.table import Table
from rich.text import Text

from mesh import __version__
from mesh.findings import DEFAULT_SETTINGS, SEVERITY_RANK, RuleSettings, file_findings
from mesh.models import (
    SEVERITIES,
    AstSummary,
    ClassInfo,
    FileAnalysis,
    FileError,
    Finding,
    FunctionMetrics,
    Halstead,
    ImportInfo,
    JobManifest,
    Language,
    Model,
    SkippedFile,
    Task,
)

TOP_FUNCTIONS = 10
TOP_FINDINGS = 20


class ReportFile(Model):
    """One analyzed file: every field of its `FileAnalysis` (but `error`) plus where it is."""

    path: str
    language: Language
    sha256: str
    nloc: int
    functions: list[FunctionMetrics]
    detected_by: str = "extension"  # how the language was decided: extension, shebang, ...
    dialect: str = ""  # jsx, tsx or ""
    lines: int = 0
    sloc: int = 0
    comments: int = 0
    blank: int = 0
    halstead: Halstead = Field(default_factory=Halstead)
    mi: float = 100.0
    classes: list[ClassInfo] = Field(default_factory=list)
    imports: list[ImportInfo] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    partial: bool = False
    parse_errors: list[int] = Field(default_factory=list)
    ast: AstSummary = Field(default_factory=AstSummary)


def _severity_counts() -> dict[str, int]:
    return dict.fromkeys(SEVERITIES, 0)


class LanguageSummary(Model):
    """Totals, averages and maxima over a set of files (one language, or all of them)."""

    files: int = 0
    nloc: int = 0
    functions: int = 0
    lines: int = 0
    sloc: int = 0
    comments: int = 0
    blank: int = 0
    classes: int = 0
    imports: int = 0
    partial: int = 0
    ccn: int = 0
    ccn_avg: float = 0.0
    ccn_max: int = 0
    cognitive: int = 0
    cognitive_avg: float = 0.0
    cognitive_max: int = 0
    max_nesting: int = 0
    function_nloc_avg: float = 0.0
    halstead_volume: float = 0.0
    halstead_effort: float = 0.0
    halstead_bugs: float = 0.0
    mi_avg: float | None = None
    mi_min: float | None = None
    findings: dict[str, int] = Field(default_factory=_severity_counts)
    findings_by_rule: dict[str, int] = Field(default_factory=dict)


class Summary(LanguageSummary):
    errors: int = 0
    skipped: int = 0
    languages: dict[str, LanguageSummary] = Field(default_factory=dict)


class Tool(Model):
    name: str = "codemesh"
    version: str = __version__


class Report(Model):
    job: str
    root: str
    started: str
    finished: str
    tool: Tool = Field(default_factory=Tool)
    summary: Summary
    files: list[ReportFile]
    errors: list[FileError]
    skipped: list[SkippedFile]


def report_file(path: str, sha256: str, language: Language, analysis: FileAnalysis,
                rules: RuleSettings = DEFAULT_SETTINGS, detected_by: str = "extension",
                dialect: str = "") -> ReportFile:
    """A file's entry: its analysis, with the findings of this project's thresholds."""
    fields = analysis.model_dump(exclude={"error", "language", "findings"})
    findings = file_findings(path, analysis, rules.for_language(language), rules.disabled)
    return ReportFile.model_validate(
        {**fields, "path": path, "sha256": sha256, "language": language, "findings": findings,
         "detected_by": detected_by, "dialect": dialect})


def build_report(manifest: JobManifest, results: dict[str, FileAnalysis],
                 failed_tasks: Iterable[Task], started: str, finished: str,
                 rules: RuleSettings = DEFAULT_SETTINGS) -> Report:
    """Every manifest file ends up in `files` or in `errors`: a file without a result is an
    error too (its task failed for good, with the task's last error as the message).
    Findings are computed here, from `rules`, so thresholds never touch the result cache."""
    task_errors = {source.path: task.error or "task failed"
                   for task in failed_tasks for source in task.files}
    files: list[ReportFile] = []
    errors = list(manifest.errors)
    for source in sorted(manifest.files, key=lambda f: f.path):
        analysis = results.get(source.path)
        if analysis is None:
            errors.append(FileError(path=source.path, kind="task-failed",
                                    message=task_errors.get(source.path, "no result was stored")))
        elif analysis.error is not None:
            errors.append(FileError(path=source.path, kind=analysis.error.kind,
                                    message=analysis.error.message))
        else:
            files.append(report_file(source.path, source.sha256, source.language, analysis,
                                     rules, source.detected_by, source.dialect))
    errors.sort(key=lambda e: e.path)
    by_language: dict[str, list[ReportFile]] = {}
    for item in files:
        by_language.setdefault(item.language, []).append(item)
    summary = Summary(errors=len(errors), skipped=len(manifest.skipped),
                      languages={name: summarize(group)
                                 for name, group in sorted(by_language.items())},
                      **summarize(files).model_dump())
    return Report(
        job=manifest.job, root=manifest.root, started=started, finished=finished,
        summary=summary, files=files, errors=errors,
        skipped=sorted(manifest.skipped, key=lambda s: s.path))


def _avg(total: float, count: int) -> float:
    return round(total / count, 2) if count else 0.0


def summarize(files: Sequence[ReportFile]) -> LanguageSummary:
    """Totals over `files`; averages are per function (`ccn_avg`, `cognitive_avg`,
    `function_nloc_avg`) or per file (`mi_avg`), rounded to two decimals."""
    functions = [fn for f in files for fn in f.functions]
    findings = [finding for f in files for finding in f.findings]
    by_severity = _severity_counts()
    by_rule: dict[str, int] = {}
    for finding in findings:
        by_severity[finding.severity] += 1
        by_rule[finding.rule] = by_rule.get(finding.rule, 0) + 1
    ccn = sum(fn.ccn for fn in functions)
    cognitive = sum(fn.cognitive for fn in functions)
    mis = [f.mi for f in files]
    return LanguageSummary(
        files=len(files), nloc=sum(f.nloc for f in files), functions=len(functions),
        lines=sum(f.lines for f in files), sloc=sum(f.sloc for f in files),
        comments=sum(f.comments for f in files), blank=sum(f.blank for f in files),
        classes=sum(len(f.classes) for f in files), imports=sum(len(f.imports) for f in files),
        partial=sum(f.partial for f in files),
        ccn=ccn, ccn_avg=_avg(ccn, len(functions)),
        ccn_max=max((fn.ccn for fn in functions), default=0),
        cognitive=cognitive, cognitive_avg=_avg(cognitive, len(functions)),
        cognitive_max=max((fn.cognitive for fn in functions), default=0),
        max_nesting=max((fn.max_nesting for fn in functions), default=0),
        function_nloc_avg=_avg(sum(fn.nloc for fn in functions), len(functions)),
        halstead_volume=round(sum(f.halstead.volume for f in files), 2),
        halstead_effort=round(sum(f.halstead.effort for f in files), 2),
        halstead_bugs=round(sum(f.halstead.bugs for f in files), 4),
        mi_avg=_avg(sum(mis), len(mis)) if mis else None,
        mi_min=round(min(mis), 2) if mis else None,
        findings=by_severity, findings_by_rule=dict(sorted(by_rule.items())))


def to_json(report: Report) -> str:
    return report.model_dump_json(indent=2) + "\n"


def render_table(report: Report, console: Console) -> None:
    """The human summary: languages, the most complex functions, errors."""
    summary = report.summary
    console.print(f"codemesh {report.tool.version}: {report.root}", soft_wrap=True,
                  highlight=False, markup=False)
    languages = Table()
    columns = ("language", "files", "nloc", "functions", "ccn avg", "ccn max", "findings")
    for column in columns:
        languages.add_column(column, justify="left" if column == "language" else "right")

    def row(name: str, totals: LanguageSummary, style: str | None = None) -> None:
        languages.add_row(name, str(totals.files), str(totals.nloc), str(totals.functions),
                          f"{totals.ccn_avg:.1f}", str(totals.ccn_max),
                          str(sum(totals.findings.values())), style=style)

    for name, lang in summary.languages.items():
        row(name, lang)
    row("total", summary, style="bold")
    console.print(languages)

    ranked = sorted(((fn, f.path) for f in report.files for fn in f.functions),
                    key=lambda item: (-item[0].ccn, -item[0].nloc, item[1], item[0].start_line))
    if ranked:
        top = Table(title=f"{min(TOP_FUNCTIONS, len(ranked))} most complex functions",
                    title_justify="left")
        numeric = ("ccn", "cognitive", "nloc", "params")
        for column in (*numeric, "function", "location"):
            top.add_column(column, justify="right" if column in numeric else "left")
        for fn, path in ranked[:TOP_FUNCTIONS]:
            top.add_row(str(fn.ccn), str(fn.cognitive), str(fn.nloc), str(fn.params),
                        Text(fn.qualified_name or fn.name), Text(f"{path}:{fn.start_line}"))
        console.print(top)

    findings = sorted(((finding, f.path) for f in report.files for finding in f.findings),
                      key=lambda item: (-SEVERITY_RANK[item[0].severity], item[1],
                                        item[0].line, item[0].rule))
    if findings:
        counts = ", ".join(f"{count} {severity}"
                           for severity, count in reversed(summary.findings.items()) if count)
        shown = min(TOP_FINDINGS, len(findings))
        table = Table(title=f"{len(findings)} findings ({counts}); the {shown} most severe",
                      title_justify="left")
        for column in ("severity", "rule", "location", "message"):
            table.add_column(column)
        for finding, path in findings[:TOP_FINDINGS]:
            table.add_row(finding.severity, finding.rule, Text(f"{path}:{finding.line}"),
                          Text(finding.message))
        console.print(table)

    if report.errors:
        errors = Table(title=f"{len(report.errors)} file(s) not analyzed", title_justify="left")
        for column in ("path", "kind", "message"):
            errors.add_column(column)
        for error in report.errors[:50]:
            errors.add_row(Text(error.path), error.kind, Text(error.message))
        console.print(errors)
        if len(report.errors) > 50:
            console.print(f"... and {len(report.errors) - 50} more (see --format json)")
    if report.skipped:
        console.print(f"{len(report.skipped)} file(s) skipped on purpose "
                      f"(size limit, symlinks, minified); listed in the JSON report.")
    console.print(f"job {report.job}: {summary.files} files, {summary.functions} functions, "
                  f"{summary.nloc} nloc, {sum(summary.findings.values())} findings, "
                  f"{summary.errors} errors")
