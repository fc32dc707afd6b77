"""`codemesh analyze` on real codebases from the package registries, checked function by
function against the lizard CLI run on the very files the report lists.

The corpora are fetched by ../shared/corpora/get.sh (scripts/test does it); a corpus that is not
on disk is skipped with the command that fetches it.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

CORPORA = Path(os.environ.get("CODEMESH_CORPORA", Path.home() / ".cache/codemesh-corpora"))
CASES = ["python/requests-2.32.3", "python/flask-3.0.3",
         "go/golang-github-gin-gonic-gin-dev-1.8.1-1"]

pytestmark = pytest.mark.corpus


def lizard_functions(root: Path, paths: list[str]) -> dict[str, list[tuple[object, ...]]]:
    """path -> functions as the lizard CLI's CSV reports them for exactly these files."""
    proc = subprocess.run([sys.executable, "-m", "lizard", "-i", "-1", "--csv", *paths],
                          cwd=root, capture_output=True, text=True, check=True,
                          env=dict(os.environ, PYTHONUTF8="1"))
    found: dict[str, list[tuple[object, ...]]] = defaultdict(list)
    for row in csv.reader(io.StringIO(proc.stdout)):
        if row:  # NLOC, CCN, token, PARAM, length, location, file, name, long name, start, end
            found[row[6]].append((row[7], row[8], int(row[9]), int(row[10]), int(row[0]),
                                  int(row[1]), int(row[3]), int(row[2])))
    return found


@pytest.mark.parametrize("case", CASES)
def test_corpus_matches_lizard(case: str, tmp_path: Path, cli_env: dict[str, str]) -> None:
    root = CORPORA / case
    if not (root / ".complete").exists():
        pytest.skip(f"corpus {case} not fetched: bash ../shared/corpora/get.sh "
                    f"{case.split('/')[0]}")
    out = tmp_path / "report.json"
    proc = subprocess.run([sys.executable, "-m", "mesh", "analyze", str(root), "--format", "json",
                           "--output", str(out), "--workers", "2"], capture_output=True,
                          text=True, env=cli_env, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(out.read_text())
    assert report["errors"] == []
    assert len(report["files"]) >= 10

    paths = [f["path"] for f in report["files"]]
    oracle = lizard_functions(root, paths)
    mismatched = []
    for item in report["files"]:
        ours = [(f["name"].replace('"', "'"), f["long_name"].replace('"', "'"), f["start_line"],
                 f["end_line"], f["nloc"], f["ccn"], f["params"], f["tokens"])
                for f in item["functions"]]
        if ours != oracle.get(item["path"], []):
            mismatched.append(item["path"])
    assert mismatched == []
    assert report["summary"]["functions"] == sum(len(v) for v in oracle.values())
