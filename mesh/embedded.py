"""The embedded mesh: a store, a broker and N workers as child processes on loopback.

`codemesh analyze` with no `--broker` runs the same roles a lab runs by hand, only started for
one job. Each child binds a free port and prints one ready line; its logs go to one file that
survives only if something went wrong. Children die with this process (see `mesh.process`), and
`stop` ends them in order, so no orphan is left behind whatever happens.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

from mesh.roles import EMBEDDED_PARENT_ENV

READY_TIMEOUT = 60.0
STOP_TIMEOUT = 5.0


class EmbeddedError(RuntimeError):
    """A child role failed to start."""


class EmbeddedMesh:
    def __init__(self, store_dir: Path, workers: int, log_path: Path,
                 extra_args: dict[str, list[str]] | None = None) -> None:
        self.store_dir = store_dir
        self.workers = workers
        self.log_path = log_path
        self.extra_args = extra_args or {}
        self.processes: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.broker = ""
        self.store = ""
        self._log: IO[bytes] | None = None

    def __enter__(self) -> EmbeddedMesh:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        # an embedded mesh is private to one job: it neither announces nor browses
        store = self._spawn("store", ["--bind", "tcp://127.0.0.1:*", "--no-mdns", "--path",
                                      str(self.store_dir)])
        self.store = self._ready(store)["endpoint"]
        broker = self._spawn("broker", ["--bind", "tcp://127.0.0.1:*", "--no-mdns", "--store",
                                        self.store])
        self.broker = self._ready(broker)["endpoint"]
        workers = [self._spawn("worker", ["--broker", self.broker, "--no-mdns"])
                   for _ in range(self.workers)]
        for worker in workers:
            self._ready(worker)

    def _spawn(self, role: str, args: list[str]) -> tuple[str, subprocess.Popen[bytes]]:
        env = dict(os.environ, **{EMBEDDED_PARENT_ENV: str(os.getpid())})
        command = [sys.executable, "-m", "mesh", role, *args, *self.extra_args.get(role, [])]
        child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 stderr=self._log, env=env, start_new_session=True)
        entry = (role, child)
        self.processes.append(entry)
        return entry

    def _ready(self, entry: tuple[str, subprocess.Popen[bytes]]) -> dict[str, str]:
        role, child = entry
        assert child.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(child.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + READY_TIMEOUT
        try:
            while time.monotonic() < deadline:
                if selector.select(timeout=0.2):
                    line = child.stdout.readline()
                    if not line:
                        break
                    event = json.loads(line)
                    if event.get("event") == "ready":
                        return {k: str(v) for k, v in event.items()}
                elif child.poll() is not None:
                    break
        finally:
            selector.close()
        raise EmbeddedError(f"the embedded {role} did not start (exit code {child.poll()}); "
                            f"its log is in {self.log_path}")

    def stop(self) -> None:
        """SIGTERM in reverse start order (workers, broker, store); SIGKILL what lingers."""
        for _, child in reversed(self.processes):
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for _, child in reversed(self.processes):
            try:
                child.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
            if child.stdout is not None:
                child.stdout.close()
        self.processes.clear()
        if self._log is not None:
            self._log.close()
            self._log = None

    def pids(self) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        for role, child in self.processes:
            found.setdefault(role, []).append(child.pid)
        return found
