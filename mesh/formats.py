"""Report formats for CI and other tools: SARIF 2.1.0, CSV (one row per function), Checkstyle XML.

Each renderer is a pure function of a built `Report` returning text; `mesh.analyze` writes it.
The JSON report and the terminal table live in `mesh.report`. What each format holds, and how
severities map onto it: `docs/findings.md`.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import quoteattr

from mesh.findings import RULES, RULES_BY_ID, SEVERITY_RANK, function_name
from mesh.models import Finding, Severity
from mesh.report import Report, ReportFile

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/" \
               "sarif-schema-2.1.0.json"
SARIF_VERSION = "2.1.0"
URI_BASE_ID = "SRCROOT"
FINGERPRINT_KEY = "codemesh/v1"
"""Key of our fingerprint in SARIF's `partialFingerprints`."""

SARIF_LEVELS: dict[Severity, str] = {
    "blocker": "error", "critical": "error", "major": "warning", "minor": "note", "info": "note",
}
CHECKSTYLE_SEVERITIES: dict[Severity, str] = {
    "blocker": "error", "critical": "error", "major": "warning", "minor": "warning",
    "info": "info",
}


def sarif_uri(path: str) -> str:
    """A report path as a relative URI reference: percent-encoded, `/`-separated."""
    return quote(path, safe="/")


def _location(path: str, line: int | None = None) -> dict[str, Any]:
    physical: dict[str, Any] = {
        "artifactLocation": {"uri": sarif_uri(path), "uriBaseId": URI_BASE_ID}}
    if line is not None:
        physical["region"] = {"startLine": max(line, 1)}
    return {"physicalLocation": physical}


def _rule_descriptor(rule_id: str) -> dict[str, Any]:
    rule = RULES_BY_ID.get(rule_id)
    if rule is None:  # a finding an analyzer made itself, under a rule id we do not define
        return {"id": rule_id, "shortDescription": {"text": rule_id}}
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": f"{rule.summary} Reported per {rule.scope} when it is "
                                    f"over the threshold ({rule.threshold}); the severity "
                                    f"grows with how far over it is."},
        "help": {"text": f"Raise the threshold `{rule.threshold}` in [tool.codemesh.thresholds]"
                         f" or disable the rule with disable = [\"{rule.id}\"]; see "
                         f"docs/findings.md."},
        "defaultConfiguration": {"level": "warning"},
        "properties": {"tags": ["maintainability", rule.id.split(".")[0]],
                       "threshold": rule.threshold},
    }


def to_sarif(report: Report) -> str:
    """One SARIF run: findings as results, per-file errors and skips as notifications."""
    rule_ids = [rule.id for rule in RULES]
    for item in report.files:
        rule_ids.extend(f.rule for f in item.findings if f.rule not in rule_ids)
    index = {rule_id: n for n, rule_id in enumerate(rule_ids)}
    results = [_sarif_result(item, finding, index[finding.rule])
               for item in report.files for finding in item.findings]
    notifications = [
        {"level": "error", "message": {"text": f"{error.path}: {error.kind}: {error.message}"},
         "locations": [_location(error.path)],
         "descriptor": {"id": f"analysis.{error.kind}"}}
        for error in report.errors]
    notifications += [
        {"level": "note", "message": {"text": f"{skip.path}: skipped: {skip.reason}"},
         "locations": [_location(skip.path)], "descriptor": {"id": "analysis.skipped"}}
        for skip in report.skipped]
    root = Path(report.root)
    run: dict[str, Any] = {
        "tool": {"driver": {"name": report.tool.name, "version": report.tool.version,
                            "rules": [_rule_descriptor(rule_id) for rule_id in rule_ids]}},
        "automationDetails": {"id": f"codemesh/{report.job}"},
        "originalUriBaseIds": {URI_BASE_ID: {
            "uri": root.as_uri().rstrip("/") + "/" if root.is_absolute() else "file:///"}},
        "invocations": [{
            "executionSuccessful": True,
            "startTimeUtc": report.started,
            "endTimeUtc": report.finished,
            "toolExecutionNotifications": notifications,
        }],
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    log = {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _sarif_result(item: ReportFile, finding: Finding, rule_index: int) -> dict[str, Any]:
    location = _location(item.path, finding.line)
    if finding.function:
        location["logicalLocations"] = [{"fullyQualifiedName": finding.function,
                                         "kind": "function"}]
    return {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": SARIF_LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": {"severity": finding.severity, "language": item.language},
    }


CSV_COLUMNS = (
    "path", "language", "name", "qualified_name", "long_name", "kind", "start_line", "end_line",
    "nloc", "ccn", "cognitive", "params", "tokens", "max_nesting",
    "halstead_n1", "halstead_n2", "halstead_N1", "halstead_N2", "halstead_vocabulary",
    "halstead_length", "halstead_volume", "halstead_difficulty", "halstead_effort",
    "halstead_time", "halstead_bugs",
)


def to_csv(report: Report) -> str:
    """One row per function, with a header row; RFC 4180 quoting and line ends."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for item in report.files:
        for fn in item.functions:
            hal = fn.halstead
            writer.writerow([
                item.path, item.language, fn.name, function_name(fn), fn.long_name, fn.kind,
                fn.start_line, fn.end_line, fn.nloc, fn.ccn, fn.cognitive, fn.params, fn.tokens,
                fn.max_nesting, hal.n1, hal.n2, hal.N1, hal.N2, hal.vocabulary, hal.length,
                _float(hal.volume), _float(hal.difficulty), _float(hal.effort), _float(hal.time),
                _float(hal.bugs)])
    return out.getvalue()


def _float(value: float) -> str:
    return str(round(value, 4))  # no exponent below 1e16, so spreadsheets read it


# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _attr(value: object) -> str:
    return quoteattr(_NOT_XML.sub("\ufffd", str(value)))


def to_checkstyle(report: Report) -> str:
    """Checkstyle's XML report: a `<file>` per analyzed or failed file (absolute path), an
    `<error>` per finding; files that could not be analyzed carry one error of their own."""
    root = Path(report.root)
    per_file: dict[str, list[str]] = {item.path: [] for item in report.files}
    for item in report.files:
        for finding in sorted(item.findings, key=lambda f: (f.line, -SEVERITY_RANK[f.severity],
                                                             f.rule)):
            per_file[item.path].append(
                f"    <error line={_attr(max(finding.line, 1))} "
                f"severity={_attr(CHECKSTYLE_SEVERITIES[finding.severity])} "
                f"message={_attr(finding.message)} source={_attr('codemesh.' + finding.rule)}"
                f"/>")
    for error in report.errors:
        per_file.setdefault(error.path, []).append(
            f"    <error line=\"1\" severity=\"error\" "
            f"message={_attr(f'not analyzed: {error.kind}: {error.message}')} "
            f"source={_attr('codemesh.analysis.' + error.kind)}/>")
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<checkstyle version="4.3">']
    for path in sorted(per_file):
        lines.append(f"  <file name={_attr(root / path)}>")
        lines.extend(per_file[path])
        lines.append("  </file>")
    lines.append("</checkstyle>")
    return "\n".join(lines) + "\n"


RENDERERS = {"sarif": to_sarif, "csv": to_csv, "checkstyle": to_checkstyle}
