"""--secure with real processes: CURVE on every socket, the ZAP handler admitting only the keys
in the mesh's keys folder, refusals counted; and `codemesh keys` itself."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.timeout(240)


def _keys(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mesh", "keys", *args], capture_output=True,
                          text=True, timeout=60)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _refused(port: int) -> float:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    found = re.findall(r'^codemesh_auth_refused_total\{role="broker"\} (\S+)$', text, re.M)
    return float(found[0]) if found else 0.0


def _workers(broker: str, keys: Path) -> list[dict[str, Any]]:
    done = subprocess.run([sys.executable, "-m", "mesh", "status", "--format", "json",
                           "--no-mdns", "--broker", broker, "--secure", "--keys", str(keys)],
                          capture_output=True, timeout=60)
    status = json.loads(done.stdout)
    info = status["brokers"][0]["status"]
    assert info is not None, status
    workers: list[dict[str, Any]] = info["workers"]
    return workers


def test_keys_init_add_remove_list(tmp_path: Path) -> None:
    lab, laptop = tmp_path / "lab", tmp_path / "laptop"
    assert _keys("--keys", str(lab), "init").returncode == 0
    assert (lab / "server.key_secret").is_file() and (lab / "id.key_secret").is_file()
    laptop.mkdir()
    shutil.copy(lab / "server.key", laptop / "server.key")
    assert _keys("--keys", str(laptop), "init").returncode == 0
    assert not (laptop / "server.key_secret").exists()  # it joined; it did not make its own
    assert (laptop / "server.key").read_text() == (lab / "server.key").read_text()
    assert _keys("--keys", str(lab), "add", "laptop", str(laptop / "id.key")).returncode == 0
    listed = _keys("--keys", str(lab), "list").stdout.splitlines()
    assert [line.split("\t")[0] for line in listed] == ["laptop", "self"]
    assert listed[0].split("\t")[1] in (laptop / "id.key").read_text()
    assert _keys("--keys", str(lab), "remove", "laptop").returncode == 0
    assert [line.split("\t")[0] for line in _keys("--keys", str(lab), "list").stdout
            .splitlines()] == ["self"]
    bad = _keys("--keys", str(lab), "remove", "nobody")
    assert bad.returncode == 2 and "no admitted key" in bad.stderr
    bad = _keys("--keys", str(lab), "add", "x", str(tmp_path / "missing.key"))
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_only_keyed_workers_take_tasks(mesh: Any, tmp_path: Path,
                                       cli_env: dict[str, str]) -> None:
    lab, stranger = tmp_path / "lab", tmp_path / "stranger"
    assert _keys("--keys", str(lab), "init").returncode == 0
    stranger.mkdir()
    shutil.copy(lab / "server.key", stranger / "server.key")  # knows the server, not admitted
    assert _keys("--keys", str(stranger), "init").returncode == 0
    secure = ["--secure", "--keys", str(lab), "--no-mdns"]
    metrics_port = _free_port()
    store = mesh.store(*secure)
    broker = mesh.broker(store.endpoint, *secure, "--metrics-port", str(metrics_port))

    mesh.worker(broker.endpoint, "--secure", "--keys", str(stranger), "--no-mdns")
    mesh.worker(broker.endpoint, "--no-mdns")  # no CURVE at all
    deadline = time.monotonic() + 20
    while _refused(metrics_port) < 1 and time.monotonic() < deadline:
        time.sleep(0.3)
    assert _refused(metrics_port) >= 1, "the unknown key was not refused and counted"
    assert _workers(broker.endpoint, lab) == []
    assert "unknown key" in broker.log.read_text()

    src = tmp_path / "src"
    src.mkdir()
    (src / "a.py").write_text("def f(x):\n    return x or 1\n")
    job = [sys.executable, "-m", "mesh", "analyze", str(src), "--broker", broker.endpoint,
           "--format", "json"]
    # a client without keys cannot even ask the broker anything
    plain = subprocess.run([*job, "--timeout", "3"], capture_output=True, timeout=60,
                           env=cli_env)
    assert plain.returncode == 1 and b"no answer from the broker" in plain.stderr

    mesh.worker(broker.endpoint, "--secure", "--keys", str(lab), "--no-mdns")
    done = subprocess.run([*job, "--secure", "--keys", str(lab)], capture_output=True,
                          timeout=120, env=cli_env)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    report = json.loads(done.stdout)
    assert [f["path"] for f in report["files"]] == ["a.py"]
    assert len(_workers(broker.endpoint, lab)) == 1


def test_secure_without_keys_is_a_clear_error(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "mesh", "broker", "--secure", "--no-mdns",
                           "--store", "tcp://127.0.0.1:1", "--keys", str(tmp_path / "none")],
                          capture_output=True, text=True, timeout=60,
                          env=dict(os.environ))
    assert done.returncode == 2
    assert "codemesh keys init" in done.stderr and "Traceback" not in done.stderr
