"""Fixtures that start real codemesh processes on loopback and always clean them up.

Each role is started as `python -m mesh ROLE --bind tcp://127.0.0.1:*`; the fixture waits for the
role's ready line on stdout to learn its port. Logs go to a file in the test's tmp dir, printed
when a test fails to start a process.
"""

from __future__ import annotations

import json
import os
import secrets
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

READY_TIMEOUT = 30.0

# No test may announce on the machine's real network: every process the suite starts (they all
# inherit this environment) limits mDNS to loopback, whatever flags it is given
# (`mesh.discovery.ONLY_ENV`; tests/mesh/test_discovery.py checks it holds). The mesh name is
# unique to this run, so other runs on the same machine are never found.
os.environ["CODEMESH_MDNS_ONLY"] = "127.0.0.1"
os.environ["CODEMESH_MESH"] = f"test-{os.getpid()}-{secrets.token_hex(3)}"


@dataclass
class Proc:
    role: str
    popen: subprocess.Popen[bytes]
    log: Path
    ready: dict[str, str] = field(default_factory=dict)

    @property
    def endpoint(self) -> str:
        return self.ready.get("endpoint", "")

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.alive():
            self.popen.send_signal(sig)

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM and wait; returns the exit code (SIGKILL after `timeout`)."""
        if self.alive():
            self.popen.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
            raise


class Mesh:
    """Starts roles for one test; `close` stops every one of them."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.procs: list[Proc] = []

    def start(self, role: str, *args: str, wait: bool = True, prefix: Sequence[str] = (),
              env: dict[str, str] | None = None) -> Proc:
        """`prefix` wraps the command (e.g. `ip netns exec NS`); `env` replaces the inherited
        environment."""
        log = self.tmp / f"{role}-{len(self.procs)}.log"
        popen = subprocess.Popen(
            [*prefix, sys.executable, "-m", "mesh", role, *args], stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=log.open("wb"), start_new_session=True, env=env)
        proc = Proc(role, popen, log)
        self.procs.append(proc)
        if wait:
            proc.ready = _wait_ready(proc)
        return proc

    def store(self, *args: str) -> Proc:
        return self.start("store", "--bind", "tcp://127.0.0.1:*", "--path",
                          str(self.tmp / f"store-{len(self.procs)}"), *args)

    def broker(self, store: str, *args: str) -> Proc:
        return self.start("broker", "--bind", "tcp://127.0.0.1:*", "--store", store, *args)

    def worker(self, broker: str, *args: str) -> Proc:
        return self.start("worker", "--broker", broker, *args)

    def close(self) -> None:
        for proc in reversed(self.procs):
            if proc.alive():
                proc.popen.send_signal(signal.SIGTERM)
        for proc in reversed(self.procs):
            try:
                proc.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.popen.kill()
                proc.popen.wait()
            if proc.popen.stdout is not None:
                proc.popen.stdout.close()


def _wait_ready(proc: Proc) -> dict[str, str]:
    assert proc.popen.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(proc.popen.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + READY_TIMEOUT
    try:
        while time.monotonic() < deadline:
            if selector.select(timeout=0.2):
                line = proc.popen.stdout.readline()
                if not line:
                    break
                event = json.loads(line)
                if event.get("event") == "ready":
                    return {k: str(v) for k, v in event.items()}
            elif proc.popen.poll() is not None:
                break
    finally:
        selector.close()
    raise RuntimeError(f"{proc.role} did not become ready; log:\n{proc.log.read_text()[-4000:]}")


@pytest.fixture
def mesh(tmp_path: Path) -> Iterator[Mesh]:
    running = Mesh(tmp_path)
    try:
        yield running
    finally:
        running.close()


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    """Environment for running `codemesh` in a subprocess with its cache inside tmp_path."""
    return dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"))
