"""Several hosts on one machine: network namespaces joined by veth pairs to a bridge, each
running its roles on its own address; workers and the client find the broker and the store by
mDNS alone, and a job completes.

Every mDNS packet stays inside these namespaces: each process is limited to its host's address
(`CODEMESH_MDNS_ONLY`), and the namespaces have no route to the machine's network. Needs root
and iproute2 (`scripts/system-deps`); skips with the reason otherwise.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=30)


@dataclass
class Host:
    namespace: str
    address: str

    @property
    def prefix(self) -> list[str]:
        return ["ip", "netns", "exec", self.namespace]

    def env(self) -> dict[str, str]:
        return {**os.environ, "CODEMESH_MDNS_ONLY": self.address}


class Lan:
    """A bridge in its own namespace and one namespace per host, each on a veth pair."""

    def __init__(self) -> None:
        self.tag = secrets.token_hex(3)
        self.subnet = f"10.213.{secrets.randbelow(250) + 1}"
        self.switch = f"cm-sw-{self.tag}"
        self.namespaces = [self.switch]
        _ip("netns", "add", self.switch)
        _ip("-n", self.switch, "link", "add", "br0", "type", "bridge", "mcast_snooping", "0")
        _ip("-n", self.switch, "link", "set", "br0", "up")

    def host(self, index: int) -> Host:
        name = f"cm-h{index}-{self.tag}"
        _ip("netns", "add", name)
        self.namespaces.append(name)
        outside, inside = f"cmh{index}{self.tag}", f"cmp{index}{self.tag}"
        _ip("link", "add", outside, "type", "veth", "peer", "name", inside)
        _ip("link", "set", outside, "netns", self.switch)
        _ip("link", "set", inside, "netns", name)
        _ip("-n", self.switch, "link", "set", outside, "master", "br0", "up")
        _ip("-n", name, "link", "set", inside, "name", "eth0")
        address = f"{self.subnet}.{index + 1}"
        _ip("-n", name, "addr", "add", f"{address}/24", "dev", "eth0")
        _ip("-n", name, "link", "set", "eth0", "up", "multicast", "on")
        _ip("-n", name, "link", "set", "lo", "up")
        # multicast leaves through eth0 (mDNS's 224.0.0.251 has no other route here)
        _ip("-n", name, "route", "add", "224.0.0.0/4", "dev", "eth0")
        return Host(name, address)

    def close(self) -> None:
        for name in reversed(self.namespaces):
            subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=30)


def _netns_unavailable() -> str | None:
    if shutil.which("ip") is None:
        return "iproute2 is not installed (scripts/system-deps installs it as root)"
    if os.geteuid() != 0:
        return "network namespaces need root (CAP_SYS_ADMIN and CAP_NET_ADMIN)"
    probe = f"cm-probe-{secrets.token_hex(3)}"
    made = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if made.returncode != 0:
        return f"cannot create a network namespace here: {made.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return None


@pytest.fixture
def lan() -> Iterator[Lan]:
    reason = _netns_unavailable()
    if reason:
        pytest.skip(reason)
    made = Lan()
    try:
        yield made
    finally:
        made.close()


def test_workers_join_by_mdns_alone_across_hosts(lan: Lan, mesh: Any, tmp_path: Path,
                                                 cli_env: dict[str, str]) -> None:
    hosts = [lan.host(i) for i in range(4)]  # store+broker, worker, worker, client
    name = ["--mesh", f"lab-{lan.tag}"]

    def start(host: Host, role: str, *args: str) -> Any:
        return mesh.start(role, *args, *name, "--mdns-interface", host.address,
                          prefix=host.prefix, env=host.env())

    store = start(hosts[0], "store", "--bind", f"tcp://{hosts[0].address}:*", "--path",
                  str(tmp_path / "store"))
    broker = start(hosts[0], "broker", "--bind", f"tcp://{hosts[0].address}:*")  # store: auto
    for host in hosts[1:3]:
        start(host, "worker", "--slots", "1")  # broker: auto
    src = tmp_path / "src"
    src.mkdir()
    for i in range(20):
        (src / f"m{i}.py").write_text(f"def f{i}(x):\n    while x:\n        x -= 1\n"
                                      f"    return {i}\n")
    done = subprocess.run(
        [*hosts[3].prefix, sys.executable, "-m", "mesh", "analyze", str(src), "--broker", "auto",
         *name, "--mdns-interface", hosts[3].address, "--format", "json", "--timeout", "60"],
        capture_output=True, timeout=240, env={**cli_env, "CODEMESH_MDNS_ONLY":
                                               hosts[3].address})
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    report = json.loads(done.stdout)
    assert len(report["files"]) == 20 and report["summary"]["functions"] == 20
    assert broker.ready["store"] == store.endpoint
    assert store.endpoint.startswith(f"tcp://{hosts[0].address}:")
    status = subprocess.run(
        [*hosts[3].prefix, sys.executable, "-m", "mesh", "status", "--format", "json", *name,
         "--mdns-interface", hosts[3].address],
        capture_output=True, timeout=60, env={**os.environ,
                                              "CODEMESH_MDNS_ONLY": hosts[3].address})
    info = json.loads(status.stdout)["brokers"][0]["status"]
    # both workers, each on its own host (namespaces share the UTS name, so pids tell them apart)
    assert len(info["workers"]) == 2, info["workers"]
    assert len({w["pid"] for w in info["workers"]}) == 2
