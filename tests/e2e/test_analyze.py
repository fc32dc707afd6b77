"""`codemesh analyze` end to end with real processes, checked against lizard run directly.

The tree has every language plus the inputs that break naive tools: a syntax error, a binary
file, non-UTF-8 text, an empty file, symlink loops, an extensionless script, ignored and
vendored files, and a file over the size limit.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from lizard_compare import Agreement
from lizard_oracle import as_csv_names, lizard_cli
from samples import PYTHON, SOURCES

from mesh import cli
from mesh.models import LANGUAGES, FunctionMetrics

CODEMESH = [sys.executable, "-m", "mesh"]
SIZE_LIMIT = 100_000


def make_tree(root: Path) -> dict[str, str]:
    """Write the tree; returns path -> language of every file that must be analyzed."""
    expected: dict[str, str] = {}
    for index, (name, language, source) in enumerate(SOURCES):
        path = root / f"pkg{index % 3}" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
        expected[path.relative_to(root).as_posix()] = language
    (root / "broken.py").write_text("def f(:\n    if x\n        return [1, 2\n")
    expected["broken.py"] = "python"
    (root / "Latin.java").write_bytes(
        "class Latin {\n  // caf\u00e9 cr\u00e8me\n  int size(int a) { if (a > 0 && a < 9) "
        "{ return a; } return 0; }\n}\n".encode("latin-1"))
    expected["Latin.java"] = "java"
    (root / "empty.go").write_bytes(b"")
    expected["empty.go"] = "go"
    tool = root / "bin" / "tool"
    tool.parent.mkdir()
    tool.write_text("#!/usr/bin/env python3\n" + PYTHON)
    tool.chmod(0o755)
    expected["bin/tool"] = "python"
    (root / "blob.c").write_bytes(b"\x7fELF\x00\x00\x01" + bytes(range(256)) * 4)
    (root / "huge.js").write_text("var a = 1;\n" * (SIZE_LIMIT // 11 + 10))
    (root / "loop").symlink_to(".")
    (root / "a.py").symlink_to("b.py")
    (root / "b.py").symlink_to("a.py")
    (root / ".gitignore").write_text("generated/\n*.gen.py\n")
    (root / "generated").mkdir()
    (root / "generated" / "out.py").write_text("def gen():\n    return 1\n")
    (root / "models.gen.py").write_text("def gen():\n    return 2\n")
    (root / "node_modules" / "lib").mkdir(parents=True)
    (root / "node_modules" / "lib" / "index.js").write_text("function dep() { return 1; }\n")
    (root / "README.md").write_text("# not source\n")
    return expected


def run_analyze(args: list[str], env: dict[str, str], timeout: float = 240) \
        -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CODEMESH, "analyze", *args], capture_output=True, text=True,
                          env=env, timeout=timeout, check=False)


def oracle_functions(path: Path, tmp: Path, language: str) -> tuple[int, list[FunctionMetrics]]:
    """lizard on the file itself; an extensionless script is given a name lizard knows."""
    if not path.suffix:
        copy = tmp / f"{path.name}.py"
        shutil.copy(path, copy)
        path = copy
    cli = lizard_cli(path)
    return cli.nloc, cli.functions


@pytest.fixture
def tree(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    root = tmp_path / "repo"
    root.mkdir()
    return root, make_tree(root)


def embedded_children(parent_pid: int) -> list[int]:
    """Processes started by the embedded mesh of `parent_pid` that are still alive."""
    marker = f"CODEMESH_EMBEDDED_PARENT={parent_pid}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def test_report_matches_lizard(tree: tuple[Path, dict[str, str]], tmp_path: Path,
                               cli_env: dict[str, str]) -> None:
    root, expected = tree
    out = tmp_path / "report.json"
    proc = run_analyze([str(root), "--format", "json", "--output", str(out), "--workers", "2",
                        "--max-file-size", str(SIZE_LIMIT)], cli_env)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    report: dict[str, Any] = json.loads(out.read_text())

    assert set(report) >= {"job", "root", "started", "finished", "tool", "summary", "files",
                           "errors"}
    assert report["root"] == str(root.resolve())
    assert report["tool"]["name"] == "codemesh"
    assert report["started"] <= report["finished"]

    files = {f["path"]: f for f in report["files"]}
    assert files.keys() == expected.keys()
    agreement = Agreement()
    for path, item in files.items():
        assert item["language"] == expected[path]
        assert item["sha256"] == hashlib.sha256((root / path).read_bytes()).hexdigest()
        _, functions = oracle_functions(root / path, tmp_path, expected[path])
        ours = as_csv_names([FunctionMetrics.model_validate(f) for f in item["functions"]])
        agreement.add(path, ours, functions)
    assert files["empty.go"]["nloc"] == 0 and files["empty.go"]["functions"] == []
    assert agreement.lizard > 80  # the oracle found real work
    assert agreement.ratio >= 0.98, agreement.mismatches

    errors = {e["path"]: e for e in report["errors"]}
    assert errors.keys() == {"blob.c"}
    assert errors["blob.c"]["kind"] == "binary"
    skipped = {s["path"]: s["reason"] for s in report["skipped"]}
    assert skipped.keys() == {"huge.js", "loop", "a.py", "b.py"}
    assert skipped["huge.js"].startswith("too-large")

    summary = report["summary"]
    assert summary["files"] == len(files)
    assert summary["errors"] == 1
    assert summary["functions"] == sum(len(f["functions"]) for f in files.values())
    assert summary["nloc"] == sum(f["nloc"] for f in files.values())
    assert set(summary["languages"]) == set(LANGUAGES)
    for language, counts in summary["languages"].items():
        mine = [f for f in files.values() if f["language"] == language]
        assert {k: counts[k] for k in ("files", "nloc", "functions")} == {
            "files": len(mine), "nloc": sum(f["nloc"] for f in mine),
            "functions": sum(len(f["functions"]) for f in mine)}
        assert counts["ccn"] == sum(fn["ccn"] for f in mine for fn in f["functions"])
        assert counts["findings"] == {
            severity: sum(x["severity"] == severity for f in mine for x in f["findings"])
            for severity in ("info", "minor", "major", "critical", "blocker")}


def test_table_output_without_terminal_is_only_the_summary(
        tree: tuple[Path, dict[str, str]], cli_env: dict[str, str]) -> None:
    root, expected = tree
    proc = run_analyze([str(root), "--workers", "1", "--max-file-size", str(SIZE_LIMIT)], cli_env)
    assert proc.returncode == 0, proc.stderr
    assert "\x1b[" not in proc.stdout and "\r" not in proc.stdout  # no progress bar, no colour
    assert "most complex functions" in proc.stdout
    assert f"{len(expected)} files" in proc.stdout
    assert "blob.c" in proc.stdout and "binary" in proc.stdout
    for language in LANGUAGES:
        assert language in proc.stdout


def test_store_is_reused_across_runs(tree: tuple[Path, dict[str, str]], tmp_path: Path,
                                     cli_env: dict[str, str]) -> None:
    root, _ = tree
    store = tmp_path / "store"
    reports = []
    for run in range(2):
        out = tmp_path / f"r{run}.json"
        proc = run_analyze([str(root), "--store", str(store), "--format", "json", "--output",
                            str(out), "--workers", "1"], cli_env)
        assert proc.returncode == 0, proc.stderr
        reports.append(json.loads(out.read_text()))
    assert (store / "data.mdb").exists()
    assert reports[0]["job"] != reports[1]["job"]
    assert reports[0]["files"] == reports[1]["files"]


def test_no_orphans_after_a_run_or_a_kill(tree: tuple[Path, dict[str, str]],
                                          cli_env: dict[str, str]) -> None:
    root, _ = tree
    proc = subprocess.Popen([*CODEMESH, "analyze", str(root), "--workers", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=cli_env)
    assert proc.wait(timeout=240) == 0
    assert embedded_children(proc.pid) == []

    proc = subprocess.Popen([*CODEMESH, "analyze", str(root), "--workers", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=cli_env)
    deadline = time.monotonic() + 60
    while len(embedded_children(proc.pid)) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(embedded_children(proc.pid)) >= 4  # store, broker, two workers
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 15
    while embedded_children(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert embedded_children(proc.pid) == []


def test_running_mesh_needs_only_the_broker(mesh: Any, tree: tuple[Path, dict[str, str]],
                                            tmp_path: Path, cli_env: dict[str, str]) -> None:
    root, expected = tree
    store = mesh.store()
    broker = mesh.broker(store.endpoint)
    mesh.worker(broker.endpoint)
    out = tmp_path / "report.json"
    proc = run_analyze([str(root), "--broker", broker.endpoint, "--format", "json", "--output",
                        str(out), "--max-file-size", str(SIZE_LIMIT)], cli_env)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(out.read_text())
    assert {f["path"] for f in report["files"]} == expected.keys()


def test_clear_errors_not_tracebacks(tmp_path: Path, cli_env: dict[str, str]) -> None:
    missing = run_analyze([str(tmp_path / "nope")], cli_env)
    assert missing.returncode == 2
    assert "is not a directory" in missing.stderr and "Traceback" not in missing.stderr

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text("def f():\n    return 1\n")
    nobody = run_analyze([str(tmp_path / "src"), "--broker", "tcp://127.0.0.1:9",
                          "--timeout", "1"], cli_env, timeout=60)
    assert nobody.returncode == 1
    assert "tcp://127.0.0.1:9" in nobody.stderr and "Traceback" not in nobody.stderr


def test_empty_tree(tmp_path: Path, cli_env: dict[str, str]) -> None:
    (tmp_path / "empty").mkdir()
    out = tmp_path / "r.json"
    proc = run_analyze([str(tmp_path / "empty"), "--format", "json", "--output", str(out)],
                       cli_env)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(out.read_text())
    assert report["files"] == [] and report["summary"]["files"] == 0


@pytest.mark.parametrize("role", ["analyze", "store", "broker", "worker"])
def test_help_explains_every_flag(role: str) -> None:
    proc = subprocess.run([*CODEMESH, role, "--help"], capture_output=True, text=True,
                          check=True)
    commands = next(a for a in cli.parser()._actions
                    if isinstance(a, argparse._SubParsersAction))
    sub = commands.choices[role]
    for action in sub._actions:
        assert action.help, f"{role} {action.option_strings or action.dest} has no help"
        for option in action.option_strings:
            assert option in proc.stdout
