"""Findings from real-looking analyses, their fingerprints, the project config and the gate."""

from __future__ import annotations

from pathlib import Path

import pytest
from report_samples import CLIENT_GO, FAILED, PARSER_PY, RESULTS, SERVICE_JAVA, TABLES_C, manifest

from mesh import config, gate
from mesh.findings import (
    DEFAULT_SETTINGS,
    RULE_IDS,
    RULES,
    Thresholds,
    file_findings,
    fingerprint,
    resolve,
    severity_for,
)
from mesh.models import ClassInfo, FileAnalysis, Finding, Member
from mesh.report import build_report


def summary(findings: list[Finding]) -> set[tuple[str, str, str, int]]:
    return {(f.rule, f.function, f.severity, f.line) for f in findings}


PY = DEFAULT_SETTINGS.for_language("python")
GO = DEFAULT_SETTINGS.for_language("go")


# --- rules ------------------------------------------------------------------------------------


def test_overgrown_python_method_trips_every_function_rule_it_exceeds() -> None:
    found = file_findings("src/inventory/parser.py", PARSER_PY, PY)
    assert summary(found) == {
        ("complexity.cyclomatic", "Parser.parse", "critical", 21),  # 31 / 15 = 2.07
        ("complexity.cognitive", "Parser.parse", "critical", 21),  # 48 / 15 = 3.2
        ("complexity.nesting", "Parser.parse", "minor", 21),  # 6 / 4 = 1.5
        ("size.function", "Parser.parse", "minor", 21),  # 131 / 100
        ("complexity.halstead-effort", "Parser.parse", "blocker", 21),  # 6,807 / 1,000
        ("size.parameters", "load", "minor", 180),  # 9 / 7
    }
    messages = {f.rule: f.message for f in found if f.function == "Parser.parse"}
    assert messages["complexity.cyclomatic"] == \
        "Cyclomatic complexity of Parser.parse is 31 (threshold 15)"
    assert messages["complexity.cognitive"] == \
        "Cognitive complexity of Parser.parse is 48 (threshold 15)"
    assert messages["complexity.halstead-effort"] == \
        "Halstead effort of Parser.parse is 6,807 (threshold 1,000)"
    assert [f.line for f in found] == sorted(f.line for f in found)


def test_go_uses_the_token_scale_halstead_threshold() -> None:
    found = file_findings("src/net/client.go", CLIENT_GO, GO)
    assert summary(found) == {
        ("complexity.cyclomatic", "Client.Do", "minor", 20),
        ("complexity.halstead-effort", "Client.Do", "critical", 20),  # 257,226 / 64,800
    }


def test_skeleton_analysis_with_default_fields_only_gets_lizard_rules() -> None:
    found = file_findings("src/gen/tables.c", TABLES_C, DEFAULT_SETTINGS.for_language("c"))
    assert summary(found) == {
        ("size.file", "", "critical", 1),  # 2450 / 1000
        ("size.function", "crc_table_init", "blocker", 10),  # 2380 / 100
        ("complexity.cyclomatic", "crc_update", "major", 2405),  # 24 / 15 = 1.6
    }
    assert found[0].message == "File has 2450 lines of code (threshold 1000)"


def test_large_class_is_one_finding_naming_every_measure_over() -> None:
    found = file_findings("src/java/Service.java", SERVICE_JAVA, Thresholds())
    assert [(f.rule, f.severity, f.line) for f in found] == [("size.class", "minor", 5)]
    assert found[0].message == \
        "Class Service is large: 40 methods (threshold 35), 1146 lines (threshold 1000)"
    assert found[0].function == ""
    fields = ClassInfo(name="Row", kind="struct", start_line=1, end_line=50,
                       fields=[Member(name=f"f{i}", line=i + 2) for i in range(81)])
    found = file_findings("row.go", FileAnalysis(language="go", classes=[fields]), Thresholds())
    assert [(f.rule, f.severity) for f in found] == [("size.class", "blocker")]  # 81 / 20
    assert found[0].message == "Struct Row is large: 81 fields (threshold 20)"


def test_values_at_the_threshold_are_fine() -> None:
    at = Thresholds(ccn=31, cognitive=48, max_nesting=6, nloc=131, params=9,
                    halstead_effort=1e9, file_nloc=212)
    assert file_findings("p.py", PARSER_PY, at) == []


def test_disabled_rules_are_left_out() -> None:
    found = file_findings("src/inventory/parser.py", PARSER_PY, PY,
                          disabled={"complexity.halstead-effort", "size.parameters"})
    assert {f.rule for f in found} == {"complexity.cyclomatic", "complexity.cognitive",
                                       "complexity.nesting", "size.function"}


def test_analyzer_findings_are_kept_unless_the_rule_is_ours() -> None:
    own = Finding(rule="tools.ruff.E501", severity="info", message="line too long", line=3,
                  fingerprint="ab" * 16)
    stale = Finding(rule="complexity.cyclomatic", severity="blocker", message="stale", line=1,
                    fingerprint="cd" * 16)
    analysis = TABLES_C.model_copy(update={"findings": [own, stale]})
    found = file_findings("src/gen/tables.c", analysis, Thresholds())
    assert own in found and stale not in found
    assert len(found) == 4


@pytest.mark.parametrize(("value", "threshold", "severity"), [
    (16, 15, "minor"), (22, 15, "minor"), (22.5, 15, "minor"), (23, 15, "major"),
    (30, 15, "major"), (31, 15, "critical"), (60, 15, "critical"), (61, 15, "blocker"),
    (1, 0, "blocker"),
])
def test_severity_scales_with_how_far_over(value: float, threshold: float, severity: str) -> None:
    assert severity_for(value, threshold) == severity


# --- fingerprints -----------------------------------------------------------------------------


def _shifted(analysis: FileAnalysis, lines: int) -> FileAnalysis:
    """The same code `lines` further down, and worse: as after an unrelated edit above it."""
    functions = [fn.model_copy(update={"start_line": fn.start_line + lines,
                                       "end_line": fn.end_line + lines,
                                       "ccn": fn.ccn + 7, "nloc": fn.nloc + 12})
                 for fn in analysis.functions]
    classes = [c.model_copy(update={"start_line": c.start_line + lines,
                                    "end_line": c.end_line + lines}) for c in analysis.classes]
    return analysis.model_copy(update={"functions": functions, "classes": classes,
                                       "nloc": analysis.nloc + 40})


def test_fingerprints_survive_moves_and_metric_changes() -> None:
    before = file_findings("src/inventory/parser.py", PARSER_PY, PY)
    after = file_findings("src/inventory/parser.py", _shifted(PARSER_PY, 57), PY)
    assert {f.rule: f.line for f in after if f.function == "Parser.parse"}[
        "complexity.cyclomatic"] == 78
    # Every finding keeps its fingerprint; `load` got worse (ccn 9 -> 16) and is new.
    new = {(f.rule, f.fingerprint) for f in after} - {(f.rule, f.fingerprint) for f in before}
    assert {(f.rule, f.fingerprint) for f in before} < {(f.rule, f.fingerprint) for f in after}
    assert new == {("complexity.cyclomatic",
                    fingerprint("complexity.cyclomatic", "src/inventory/parser.py", "load"))}
    assert {f.fingerprint: f.severity for f in after}[
        next(f.fingerprint for f in before if f.rule == "complexity.cyclomatic")] == "critical"


def test_fingerprints_are_unique_and_name_what_they_are_about() -> None:
    report = build_report(manifest(), RESULTS, FAILED, "s", "f")
    prints = [f.fingerprint for item in report.files for f in item.findings]
    assert len(prints) == len(set(prints)) == 12
    assert all(len(p) == 32 and int(p, 16) >= 0 for p in prints)
    moved = file_findings("lib/parser.py", PARSER_PY, PY)
    assert not {f.fingerprint for f in moved} & set(prints)  # the path is part of it
    renamed = PARSER_PY.model_copy(update={"functions": [
        fn.model_copy(update={"qualified_name": "Parser.parse_all"})
        if fn.qualified_name == "Parser.parse" else fn for fn in PARSER_PY.functions]})
    old = {f.rule: f.fingerprint for f in file_findings("p.py", PARSER_PY, PY)
           if f.function == "Parser.parse"}
    new = {f.rule: f.fingerprint for f in file_findings("p.py", renamed, PY)
           if f.function == "Parser.parse_all"}
    assert old.keys() == new.keys() and not set(old.values()) & set(new.values())


def test_same_named_functions_get_occurrence_indexes() -> None:
    twins = PARSER_PY.model_copy(update={"functions": [
        fn.model_copy(update={"ccn": 20}) for fn in PARSER_PY.functions
        if fn.name == "<lambda>"]})
    found = file_findings("p.py", twins, PY)
    assert [f.function for f in found] == ["Parser.parse.<lambda>"] * 2
    assert [f.fingerprint for f in found] == [
        fingerprint("complexity.cyclomatic", "p.py", "Parser.parse.<lambda>", 0),
        fingerprint("complexity.cyclomatic", "p.py", "Parser.parse.<lambda>", 1)]
    # Fixing the first twin leaves the second one's fingerprint as it was.
    fixed = twins.model_copy(update={"functions": [
        twins.functions[0].model_copy(update={"ccn": 2}), twins.functions[1]]})
    assert [f.fingerprint for f in file_findings("p.py", fixed, PY)] == [found[1].fingerprint]


# --- configuration ----------------------------------------------------------------------------


def test_defaults_without_a_config_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[project]\nname = 'x'\n[tool.ruff]\nline-length = 9\n")
    loaded = config.load(tmp_path)
    assert loaded.source is None and loaded.fail_on == ()
    assert loaded.rules.for_language("go") == Thresholds()
    assert loaded.rules.for_language("python").halstead_effort == 1000
    assert config.load(tmp_path / "nowhere").source is None


def test_pyproject_table_with_per_language_overrides(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[project]\nname = 'x'\n\n[tool.codemesh]\ndisable = ['size.parameters']\n"
        "fail_on = ['ccn>25', 'severity >= critical']\n\n[tool.codemesh.thresholds]\n"
        "ccn = 20\nhalstead_effort = 1e5\n\n[tool.codemesh.thresholds.c]\nnloc = 3000\n"
        "[tool.codemesh.thresholds.python]\nccn = 10\n")
    loaded = config.load(tmp_path)
    assert loaded.source == tmp_path / "pyproject.toml"
    assert loaded.rules.disabled == {"size.parameters"}
    assert [c.text for c in loaded.fail_on] == ["ccn>25", "severity>=critical"]
    assert loaded.rules.for_language("go") == Thresholds(ccn=20, halstead_effort=1e5)
    assert loaded.rules.for_language("c") == Thresholds(ccn=20, halstead_effort=1e5, nloc=3000)
    # The project's own value beats codemesh's per-language default.
    assert loaded.rules.for_language("python") == Thresholds(ccn=10, halstead_effort=1e5)

    report = build_report(manifest(), RESULTS, FAILED, "s", "f", loaded.rules)
    tables = next(f for f in report.files if f.path == "src/gen/tables.c")
    assert {(f.rule, f.function) for f in tables.findings} == {
        ("size.file", ""), ("complexity.cyclomatic", "crc_update")}  # 2380 < 3000 now
    parser = next(f for f in report.files if f.path == "src/inventory/parser.py")
    assert "size.parameters" not in {f.rule for f in parser.findings}
    assert "complexity.halstead-effort" not in {f.rule for f in parser.findings}


def test_dedicated_file_wins_over_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.codemesh.thresholds]\nccn = 99\n")
    (tmp_path / ".codemesh.toml").write_text("[thresholds]\nccn = 5\n")
    loaded = config.load(tmp_path)
    assert loaded.source == tmp_path / ".codemesh.toml"
    assert loaded.rules.thresholds.ccn == 5


@pytest.mark.parametrize(("text", "error"), [
    ("[tool.codemesh.thresholds]\nccnn = 3\n",
     "pyproject.toml [tool.codemesh]: thresholds.ccnn: unknown key"),
    ("[tool.codemesh]\nthreshold = {ccn = 3}\n",
     "pyproject.toml [tool.codemesh]: threshold: unknown key"),
    ("[tool.codemesh.thresholds]\nccn = 'high'\n",
     "thresholds.ccn: expected an integer, got 'high'"),
    ("[tool.codemesh.thresholds]\nccn = 12.5\n", "thresholds.ccn: expected an integer, got 12.5"),
    ("[tool.codemesh.thresholds]\nccn = true\n", "thresholds.ccn: expected an integer, got True"),
    ("[tool.codemesh.thresholds]\nparams = -1\n", "thresholds.params: must be 0 or more, got -1"),
    ("[tool.codemesh.thresholds.cobol]\nccn = 3\n", "thresholds.cobol: unknown key"),
    ("[tool.codemesh.thresholds.go]\nnloc = '9'\n",
     "thresholds.go.nloc: expected an integer, got '9'"),
    ("[tool.codemesh]\ndisable = 'size.file'\n", "disable: expected a list, got 'size.file'"),
    ("[tool.codemesh]\ndisable = ['size.file', 'size.filez']\n",
     "disable[1]: unknown rule 'size.filez'; known: complexity.cognitive"),
    ("[tool.codemesh]\nfail_on = ['ccn>15', 'cc>15']\n",
     "fail_on[1]: unknown metric 'cc' in 'cc>15'; known: ccn, cognitive"),
    ("[tool.codemesh]\nthresholds = 3\n", "thresholds: expected a table, got 3"),
    ("[tool.codemesh\nccn = 3\n", "pyproject.toml: not valid TOML: "),
    ("[tool]\ncodemesh = 3\n", "pyproject.toml: [tool.codemesh] must be a table"),
])
def test_bad_config_is_one_clear_line(tmp_path: Path, text: str, error: str) -> None:
    (tmp_path / "pyproject.toml").write_text(text)
    with pytest.raises(config.ConfigError) as caught:
        config.load(tmp_path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(tmp_path / "pyproject.toml"))
    assert error in message


def test_config_keys_follow_the_thresholds() -> None:
    assert set(config.ThresholdOverrides.model_fields) == set(Thresholds.model_fields)
    assert {rule.id for rule in RULES} == RULE_IDS
    for rule in RULES:
        assert {part.strip() for part in rule.threshold.split(",")} <= \
            set(Thresholds.model_fields)


def test_resolve_order_is_language_then_project_then_builtin() -> None:
    settings = resolve({"ccn": 20}, {"python": {"ccn": 9}, "rust": {"params": 3}})
    assert settings.for_language("python") == Thresholds(ccn=9, halstead_effort=1000)
    assert settings.for_language("rust") == Thresholds(ccn=20, params=3)
    assert settings.for_language("java") == Thresholds(ccn=20)


# --- the gate ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "normalized"), [
    ("ccn>15", "ccn>15"), (" cognitive > 25 ", "cognitive>25"), ("nloc>=200", "nloc>=200"),
    ("mi<20", "mi<20"), ("mi<=20.5", "mi<=20.5"), ("severity>=major", "severity>=major"),
    ("errors>0", "errors>0"), ("CCN>15", "ccn>15"), ("params=7", "params==7"),
    ("halstead_effort>100_000", "halstead_effort>100000"), ("rule==size.file", "rule==size.file"),
    ("rule!=complexity.cognitive", "rule!=complexity.cognitive"), ("ccn>15.0", "ccn>15"),
])
def test_parse_conditions(text: str, normalized: str) -> None:
    assert gate.parse(text).text == normalized


@pytest.mark.parametrize(("text", "error"), [
    ("ccn>>15", "is not METRIC OP VALUE"),
    ("ccn=>15", "is not METRIC OP VALUE"),
    ("ccn15", "is not METRIC OP VALUE"),
    ("", "is not METRIC OP VALUE"),
    ("ccn > 15 and 1", "is not METRIC OP VALUE"),
    ("__import__('os').system('x')>1", "is not METRIC OP VALUE"),
    ("cc>15", "unknown metric 'cc'"),
    ("ccn>abc", "'abc' in 'ccn>abc' is not a number"),
    ("ccn>-1", "is not a number"),
    ("ccn>1e400", "is not a number"),
    ("severity>=huge", "unknown severity 'huge'"),
    ("rule>size.file", "a rule can only be compared with == or !="),
])
def test_bad_conditions_say_why(text: str, error: str) -> None:
    with pytest.raises(gate.GateError) as caught:
        gate.parse(text)
    assert error in str(caught.value)
    assert "\n" not in str(caught.value)


def test_gate_counts_matches_and_names_the_worst() -> None:
    report = build_report(manifest(), RESULTS, FAILED, "s", "f")
    conditions = [gate.parse(t) for t in (
        "ccn>15", "cognitive>25", "nloc>=200", "mi<20", "severity>=major", "errors>0",
        "rule==size.file", "class_methods>35", "params>7", "ccn>100", "mi_avg<10", "partial>0",
        "ccn>15")]
    failures = {f.condition.text: f for f in gate.evaluate(report, conditions)}
    assert list(failures) == ["ccn>15", "cognitive>25", "nloc>=200", "mi<20", "severity>=major",
                              "errors>0", "rule==size.file", "class_methods>35", "params>7",
                              "partial>0"]
    assert failures["ccn>15"].describe() == (
        "ccn>15: 3 functions (src/inventory/parser.py:21 Parser.parse (ccn 31), "
        "src/gen/tables.c:2405 crc_update (ccn 24), src/net/client.go:20 Client.Do (ccn 16))")
    assert failures["cognitive>25"].describe() == \
        "cognitive>25: 1 function (src/inventory/parser.py:21 Parser.parse (cognitive 48))"
    assert failures["nloc>=200"].count == 1
    assert failures["mi<20"].describe() == "mi<20: 1 file (src/java/Service.java (mi 12.5))"
    assert failures["severity>=major"].count == 7
    assert failures["severity>=major"].describe().startswith(
        "severity>=major: 7 findings (src/gen/tables.c:10 size.function (blocker), "
        "src/inventory/parser.py:21 complexity.halstead-effort (blocker), ")
    assert failures["severity>=major"].describe().endswith(", ...)")
    assert failures["errors>0"].describe() == (
        "errors>0: errors is 3 (src/broken.py: analyzer, src/lost.rs: task-failed, "
        "vendor/blob.c: binary)")
    assert failures["rule==size.file"].count == 1
    assert failures["class_methods>35"].describe() == \
        "class_methods>35: 1 class (src/java/Service.java:5 Service (class_methods 40))"
    assert failures["partial>0"].describe() == \
        "partial>0: partial is 1 (src/inventory/parser.py)"


def test_gate_passes_on_a_clean_report() -> None:
    clean = {path: analysis for path, analysis in RESULTS.items()
             if path in ("web/util.ts",)}
    m = manifest()
    m = m.model_copy(update={"files": [f for f in m.files if f.path in clean], "errors": []})
    report = build_report(m, clean, [], "s", "f")
    conditions = [gate.parse(t) for t in ("ccn>15", "severity>=info", "errors>0", "mi<20",
                                          "findings>0", "rule==size.file", "class_lines>1")]
    assert gate.evaluate(report, conditions) == []
    assert [f.condition.text for f in gate.evaluate(report, [gate.parse("ccn>=3")])] == ["ccn>=3"]
