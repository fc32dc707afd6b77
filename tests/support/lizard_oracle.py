"""The lizard CLI as the oracle: what `python -m lizard` reports for a file, as our models.

Shared by the analyzer tests and the end-to-end tests, so both compare against the same thing.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from mesh.models import FunctionMetrics


@dataclass(frozen=True)
class CliResult:
    """What the lizard CLI reports for one file."""

    nloc: int
    functions: list[FunctionMetrics]
    stderr: str


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the installed lizard CLI. `-i -1` keeps the exit code 0 when thresholds are exceeded, so
    a non-zero code means lizard crashed. PYTHONUTF8 pins the CLI's default text encoding to UTF-8
    (what `analyze` decodes with) whatever the test host's locale is."""
    env = {**os.environ, "PYTHONUTF8": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "lizard", "-i", "-1", *args],
        capture_output=True, text=True, encoding="utf-8", cwd=cwd, env=env, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc


def lizard_cli(path: Path) -> CliResult:
    """Functions from `lizard --csv FILE`, file NLOC from the "Total nloc" line of `lizard FILE`.

    CSV columns (lizard_ext/csvoutput.py): NLOC, CCN, token, PARAM, length, location, file,
    function, long_name, start, end. The CSV writer turns `"` in names into `'`.
    """
    proc = run_cli("--csv", path.name, cwd=path.parent)
    functions = [
        FunctionMetrics(
            name=row[7], long_name=row[8], start_line=int(row[9]), end_line=int(row[10]),
            nloc=int(row[0]), ccn=int(row[1]), params=int(row[3]), tokens=int(row[2]),
        )
        for row in csv.reader(io.StringIO(proc.stdout))
        if row
    ]
    text = run_cli(path.name, cwd=path.parent).stdout.splitlines()
    header = next(i for i, line in enumerate(text) if line.lstrip().startswith("Total nloc"))
    nloc = int(text[header + 2].split()[0])  # header, dashes, then the totals
    return CliResult(nloc=nloc, functions=functions, stderr=proc.stderr)


def as_csv_names(functions: list[FunctionMetrics]) -> list[FunctionMetrics]:
    """Our functions as the CSV shows them (`"` -> `'`), so names with quotes compare too."""
    return [
        f.model_copy(update={"name": f.name.replace('"', "'"),
                             "long_name": f.long_name.replace('"', "'")})
        for f in functions
    ]
