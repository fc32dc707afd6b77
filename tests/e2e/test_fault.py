"""Fault tolerance with real processes: SIGKILL a worker while it holds a task; the job must
still complete, with a report identical to an undisturbed run's."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from samples import SOURCES

CODEMESH = [sys.executable, "-m", "mesh"]
FAST = ["--heartbeat", "0.5", "--liveness", "3"]


def make_tree(root: Path, copies: int) -> int:
    """`copies` variants of every sample file, each with distinct content."""
    count = 0
    for copy in range(copies):
        for name, language, source in SOURCES:
            path = root / f"mod{copy:03d}" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            marker = "#" if language == "python" else "//"
            path.write_text(f"{marker} variant {copy}\n{source}\n" * 3, encoding="utf-8")
            count += 1
    return count


def comparable(report: dict[str, Any]) -> dict[str, Any]:
    """A report without what differs between any two runs (job id and times)."""
    return {k: v for k, v in report.items() if k not in ("job", "started", "finished")}


def analyze(broker: str, root: Path, out: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([*CODEMESH, "analyze", str(root), "--broker", broker, "--format",
                             "json", "--output", str(out), "--timeout", "60"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)


def wait_for_line(log: Path, text: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in log.read_text(errors="replace"):
            return True
        time.sleep(0.02)
    return False


@pytest.mark.timeout(300)
def test_sigkill_worker_mid_job(mesh: Any, tmp_path: Path, cli_env: dict[str, str]) -> None:
    root = tmp_path / "repo"
    files = make_tree(root, copies=40)
    store = mesh.store()
    broker = mesh.broker(store.endpoint, *FAST)
    workers = [mesh.worker(broker.endpoint, *FAST) for _ in range(3)]

    disturbed = tmp_path / "disturbed.json"
    client = analyze(broker.endpoint, root, disturbed, cli_env)
    victim = workers[0]
    assert wait_for_line(victim.log, '"task started"', timeout=120), victim.log.read_text()
    victim.kill()  # SIGKILL while it holds a task
    victim.popen.wait()
    _, stderr = client.communicate(timeout=240)
    assert client.returncode == 0, stderr
    assert wait_for_line(broker.log, "requeued task of a lost worker", timeout=10)

    undisturbed = tmp_path / "undisturbed.json"
    client = analyze(broker.endpoint, root, undisturbed, cli_env)
    _, stderr = client.communicate(timeout=240)
    assert client.returncode == 0, stderr

    first = json.loads(disturbed.read_text())
    second = json.loads(undisturbed.read_text())
    assert first["summary"]["files"] == files
    assert first["errors"] == []
    assert comparable(first) == comparable(second)
