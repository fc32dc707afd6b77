"""The job report: built from the manifest and the stored results, rendered as JSON or a table.

The JSON field names are a contract that users' scripts and later stages rely on
(`docs/report.md`). Building is pure; rendering writes to the console it is given.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import Field
from rich.console import Console
from rich.table import Table
from rich.text import Text

from mesh import __version__
from mesh.models import (
    FileAnalysis,
    FileError,
    FunctionMetrics,
    JobManifest,
    Language,
    Model,
    SkippedFile,
    Task,
)

TOP_FUNCTIONS = 10


class ReportFile(Model):
    path: str
    language: Language
    sha256: str
    nloc: int
    functions: list[FunctionMetrics]


class LanguageSummary(Model):
    files: int = 0
    nloc: int = 0
    functions: int = 0


class Summary(Model):
    files: int
    functions: int
    nloc: int
    errors: int
    skipped: int
    languages: dict[str, LanguageSummary]


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


def build_report(manifest: JobManifest, results: dict[str, FileAnalysis],
                 failed_tasks: Iterable[Task], started: str, finished: str) -> Report:
    """Every manifest file ends up in `files` or in `errors`: a file without a result is an
    error too (its task failed for good, with the task's last error as the message)."""
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
            files.append(ReportFile(path=source.path, language=source.language,
                                    sha256=source.sha256, nloc=analysis.nloc,
                                    functions=analysis.functions))
    errors.sort(key=lambda e: e.path)
    languages: dict[str, LanguageSummary] = {}
    for item in files:
        summary = languages.setdefault(item.language, LanguageSummary())
        summary.files += 1
        summary.nloc += item.nloc
        summary.functions += len(item.functions)
    return Report(
        job=manifest.job, root=manifest.root, started=started, finished=finished,
        summary=Summary(files=len(files), functions=sum(len(f.functions) for f in files),
                        nloc=sum(f.nloc for f in files), errors=len(errors),
                        skipped=len(manifest.skipped),
                        languages=dict(sorted(languages.items()))),
        files=files, errors=errors, skipped=sorted(manifest.skipped, key=lambda s: s.path))


def to_json(report: Report) -> str:
    return report.model_dump_json(indent=2) + "\n"


def render_table(report: Report, console: Console) -> None:
    """The human summary: languages, the most complex functions, errors."""
    summary = report.summary
    console.print(f"codemesh {report.tool.version}: {report.root}", soft_wrap=True,
                  highlight=False, markup=False)
    languages = Table()
    for column in ("language", "files", "nloc", "functions"):
        languages.add_column(column, justify="left" if column == "language" else "right")
    for name, lang in summary.languages.items():
        languages.add_row(name, str(lang.files), str(lang.nloc), str(lang.functions))
    languages.add_row("total", str(summary.files), str(summary.nloc), str(summary.functions),
                      style="bold")
    console.print(languages)

    ranked = sorted(((fn, f.path) for f in report.files for fn in f.functions),
                    key=lambda item: (-item[0].ccn, -item[0].nloc, item[1], item[0].start_line))
    if ranked:
        top = Table(title=f"{min(TOP_FUNCTIONS, len(ranked))} most complex functions",
                    title_justify="left")
        for column in ("ccn", "nloc", "params", "function", "location"):
            top.add_column(column, justify="right" if column in ("ccn", "nloc", "params")
                           else "left")
        for fn, path in ranked[:TOP_FUNCTIONS]:
            top.add_row(str(fn.ccn), str(fn.nloc), str(fn.params), Text(fn.name),
                        Text(f"{path}:{fn.start_line}"))
        console.print(top)

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
                  f"{summary.nloc} nloc, {summary.errors} errors")
