"""The scheduler with a real broker and store: failing tasks are retried with growing delays,
then recorded as failed with their error, and the job still finishes.

The failing worker is a plain MDP/0.2 worker written here (it speaks the protocol, not our
code), run in a thread that owns its socket.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import msgpack
import pytest
import zmq

CODEMESH = [sys.executable, "-m", "mesh"]


class FlakyWorker(threading.Thread):
    """Registers `lang:python`; fails each task `failures` times, then does it for real by
    replying ok without results (so the report shows those files as missing results)."""

    def __init__(self, broker: str, failures: int) -> None:
        super().__init__(daemon=True)
        self.broker = broker
        self.failures = failures
        self.attempts: dict[str, list[float]] = defaultdict(list)
        self.stop = threading.Event()

    def run(self) -> None:
        ctx = zmq.Context.instance()
        sock = ctx.socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(self.broker)
        sock.send_multipart([b"MDPW02", b"\x01", b"lang:python"])
        last_beat = time.monotonic()
        while not self.stop.is_set():
            if time.monotonic() - last_beat > 0.2:
                sock.send_multipart([b"MDPW02", b"\x05"])
                last_beat = time.monotonic()
            if not sock.poll(50):
                continue
            frames = sock.recv_multipart()
            if frames[1] != b"\x02":
                continue
            client, body = frames[2], frames[4]
            request = msgpack.unpackb(body)
            task = request["task"]
            self.attempts[task].append(time.monotonic())
            ok = len(self.attempts[task]) > self.failures
            report = {"task": task, "ok": ok, "files_done": 0,
                      "error": None if ok else f"synthetic failure {len(self.attempts[task])}"}
            sock.send_multipart([b"MDPW02", b"\x04", client, b"", msgpack.packb(report)])
        sock.close()


def make_tree(root: Path, files: int) -> None:
    root.mkdir()
    for index in range(files):
        (root / f"m{index}.py").write_text(f"def f{index}(x):\n    return x + {index}\n")


def analyze(broker: str, root: Path, out: Path, env: dict[str, str]) \
        -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CODEMESH, "analyze", str(root), "--broker", broker, "--format",
                           "json", "--output", str(out)], capture_output=True, text=True,
                          env=env, timeout=120, check=False)


@pytest.mark.timeout(120)
def test_failing_task_is_retried_then_reported(mesh: Any, tmp_path: Path,
                                               cli_env: dict[str, str]) -> None:
    make_tree(tmp_path / "repo", 3)
    store = mesh.store()
    broker = mesh.broker(store.endpoint, "--max-attempts", "4", "--retry-base", "0.2",
                         "--heartbeat", "0.5")
    worker = FlakyWorker(broker.endpoint, failures=100)
    worker.start()
    try:
        out = tmp_path / "r.json"
        proc = analyze(broker.endpoint, tmp_path / "repo", out, cli_env)
    finally:
        worker.stop.set()
        worker.join()
    assert proc.returncode == 0, proc.stderr
    report = json.loads(out.read_text())
    assert report["files"] == []
    assert [(e["path"], e["kind"], e["message"]) for e in report["errors"]] == [
        (f"m{i}.py", "task-failed", "synthetic failure 4") for i in range(3)]
    (attempts,) = worker.attempts.values()
    assert len(attempts) == 4
    gaps = [b - a for a, b in itertools.pairwise(attempts)]
    # equal jitter: attempt n waits between half and all of 0.2 * 2**(n-1) seconds
    for n, gap in enumerate(gaps, start=1):
        window = 0.2 * 2 ** (n - 1)
        assert window / 2 <= gap <= window + 0.5, gaps


@pytest.mark.timeout(120)
def test_task_that_recovers_is_not_an_error(mesh: Any, tmp_path: Path,
                                            cli_env: dict[str, str]) -> None:
    make_tree(tmp_path / "repo", 2)
    store = mesh.store()
    broker = mesh.broker(store.endpoint, "--retry-base", "0.05", "--heartbeat", "0.5")
    worker = FlakyWorker(broker.endpoint, failures=1)
    worker.start()
    try:
        out = tmp_path / "r.json"
        proc = analyze(broker.endpoint, tmp_path / "repo", out, cli_env)
    finally:
        worker.stop.set()
        worker.join()
    assert proc.returncode == 0, proc.stderr
    report = json.loads(out.read_text())
    (attempts,) = worker.attempts.values()
    assert len(attempts) == 2
    # the flaky worker claimed success without storing results: the report must say so
    assert [(e["path"], e["kind"]) for e in report["errors"]] == [
        ("m0.py", "task-failed"), ("m1.py", "task-failed")]
    assert all(e["message"] == "no result was stored" for e in report["errors"])
