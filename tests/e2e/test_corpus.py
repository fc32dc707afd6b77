"""`codemesh analyze` on real codebases from the package registries, checked function by
function against the lizard CLI run on the very files the report lists: ccn must agree on at
least 98% of lizard's functions (issue #4's measure; docs/metrics.md explains the rest).

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
from lizard_compare import Agreement

from mesh.models import FunctionMetrics

CORPORA = Path(os.environ.get("CODEMESH_CORPORA", Path.home() / ".cache/codemesh-corpora"))
CASES = ["python/requests-2.32.3", "python/flask-3.0.3",
         "go/golang-github-gin-gonic-gin-dev-1.8.1-1"]

pytestmark = pytest.mark.corpus


def lizard_functions(root: Path, paths: list[str]) -> dict[str, list[FunctionMetrics]]:
    """path -> functions as the lizard CLI's CSV reports them for exactly these files."""
    proc = subprocess.run([sys.executable, "-m", "lizard", "-i", "-1", "--csv", *paths],
                          cwd=root, capture_output=True, text=True, check=True,
                          env=dict(os.environ, PYTHONUTF8="1"))
    found: dict[str, list[FunctionMetrics]] = defaultdict(list)
    for row in csv.reader(io.StringIO(proc.stdout)):
        if row:  # NLOC, CCN, token, PARAM, length, location, file, name, long name, start, end
            found[row[6]].append(FunctionMetrics(
                name=row[7], long_name=row[8], start_line=int(row[9]), end_line=int(row[10]),
                nloc=int(row[0]), ccn=int(row[1]), params=int(row[3]), tokens=int(row[2])))
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
    agreement = Agreement()
    for item in report["files"]:
        agreement.add(item["path"], [FunctionMetrics.model_validate(f) for f in item["functions"]],
                      oracle.get(item["path"], []))
    assert agreement.lizard >= 100
    assert agreement.ratio >= 0.98, agreement.mismatches[:20]
