"""Discovery over real mDNS on loopback: meshes kept apart, goodbyes, dead peers forgotten,
roles that find each other with no endpoint given, and the guard that keeps every test's mDNS
off the machine's real network."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mesh import discovery
from mesh.discovery import Discovery, DiscoveryError

pytestmark = pytest.mark.timeout(120)


def _mesh_name() -> str:
    return f"t-{secrets.token_hex(4)}"


async def _until(predicate: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return True
        await asyncio.sleep(0.1)
    return False


def test_the_suite_limits_mdns_to_loopback() -> None:
    assert os.environ[discovery.ONLY_ENV] == "127.0.0.1"
    assert discovery.interfaces([]) == ["127.0.0.1"]
    assert discovery.interfaces(["127.0.0.1"]) == ["127.0.0.1"]
    with pytest.raises(DiscoveryError, match="refused"):
        discovery.interfaces(["192.0.2.2"])
    with pytest.raises(DiscoveryError, match="not an IP address"):
        discovery.interfaces(["eth0"])


def test_zeroconf_sends_only_from_loopback() -> None:
    """Every socket zeroconf sends from is bound to 127.0.0.1 and multicasts out of it; the
    only other one is the shared receive socket on port 5353."""

    async def check() -> None:
        async with Discovery(_mesh_name(), discovery.interfaces([])) as found:
            assert found.zc is not None
            engine = found.zc.zeroconf.engine
            senders = [transport.sock for transport in engine.senders]
            assert senders
            for sock in senders:
                out = socket.inet_ntoa(sock.getsockopt(socket.IPPROTO_IP,
                                                       socket.IP_MULTICAST_IF, 4))
                assert (sock.getsockname()[0], out) == ("127.0.0.1", "127.0.0.1")
            for transport in engine.readers:  # receive-only sockets: the mDNS port, nothing else
                if transport.sock not in senders:
                    assert transport.sock.getsockname()[1] == 5353

    asyncio.run(check())


def test_a_browser_finds_its_own_mesh_only_and_hears_goodbyes() -> None:
    ours, theirs = _mesh_name(), _mesh_name()

    async def scenario() -> None:
        only = discovery.interfaces([])
        async with Discovery(ours, only) as browser, Discovery(theirs, only) as other:
            await browser.browse("broker", "store")
            announcer = Discovery(ours, only)
            await announcer.advertise("broker", "tcp://127.0.0.1:45555", {"store": "x"})
            await other.advertise("broker", "tcp://127.0.0.1:45556")
            peer = await browser.wait_for("broker", 10)
            assert peer.endpoint == "tcp://127.0.0.1:45555"
            assert peer.mesh == ours and peer.data["store"] == "x" and peer.version
            await asyncio.sleep(1.0)  # time for the other mesh's announcement to arrive too
            assert [p.port for p in browser.peers("broker")] == [45555]
            assert browser.peers("store") == []
            await announcer.close()  # goodbye packets
            assert await _until(lambda: not browser.peers("broker"), 5), "goodbye not heard"

    asyncio.run(scenario())


def test_wait_for_nothing_is_a_clear_error() -> None:
    async def scenario() -> None:
        async with Discovery(_mesh_name(), discovery.interfaces([])) as browser:
            await browser.browse("broker")
            with pytest.raises(DiscoveryError, match="no broker of mesh"):
                await browser.wait_for("broker", 1.0)

    asyncio.run(scenario())


ANNOUNCER = """
import asyncio, sys
from mesh.discovery import Discovery, interfaces
async def main():
    d = Discovery(sys.argv[1], interfaces([]))
    await d.advertise("store", "tcp://127.0.0.1:45999")
    print("announced", flush=True)
    await asyncio.sleep(600)
asyncio.run(main())
"""


@pytest.fixture
def short_ttl() -> Iterator[None]:
    old = os.environ.get(discovery.TTL_ENV)
    os.environ[discovery.TTL_ENV] = "3"
    yield
    if old is None:
        del os.environ[discovery.TTL_ENV]
    else:
        os.environ[discovery.TTL_ENV] = old


def test_a_process_killed_without_goodbye_is_forgotten(short_ttl: None) -> None:
    name = _mesh_name()
    child = subprocess.Popen([sys.executable, "-c", ANNOUNCER, name], stdout=subprocess.PIPE)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == b"announced"

        async def scenario() -> None:
            async with Discovery(name, discovery.interfaces([])) as browser:
                await browser.browse("store")
                assert (await browser.wait_for("store", 10)).port == 45999
                child.send_signal(signal.SIGKILL)
                child.wait()
                # TTL 3 s; zeroconf reaps its cache about every 10 s
                assert await _until(lambda: not browser.peers("store"), 30), \
                    "a dead announcer is still listed"

        asyncio.run(scenario())
    finally:
        child.kill()
        child.wait()
        if child.stdout is not None:
            child.stdout.close()


def test_roles_find_each_other_with_no_endpoint(tmp_path: Path, mesh: Any,
                                                 cli_env: dict[str, str]) -> None:
    """store, broker (--store auto), worker (--broker auto) and `analyze --broker auto`
    in a mesh of their own: a job completes over mDNS alone."""
    name = ["--mesh", _mesh_name()]
    mesh.store(*name)
    broker = mesh.start("broker", "--bind", "tcp://127.0.0.1:*", *name)  # store: auto
    mesh.start("worker", *name)  # broker: auto
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.py").write_text("def f(x):\n    if x:\n        return 1\n    return 2\n")
    done = subprocess.run(
        [sys.executable, "-m", "mesh", "analyze", str(src), "--broker", "auto", *name,
         "--format", "json", "--timeout", "30"],
        capture_output=True, env=cli_env, timeout=90)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert b'"ccn": 2' in done.stdout
    assert broker.ready["store"].startswith("tcp://127.0.0.1:")


def test_auto_without_mdns_is_a_clear_error() -> None:
    done = subprocess.run([sys.executable, "-m", "mesh", "broker", "--no-mdns"],
                          capture_output=True, timeout=30)
    assert done.returncode == 2
    assert b"needs mDNS" in done.stderr and b"Traceback" not in done.stderr


def _udp_sockets(pid: int) -> list[tuple[str, int, str]]:
    """(address, port, family) of every UDP socket the process holds, from /proc."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = []
    for family in ("udp", "udp6"):
        lines = Path(f"/proc/{pid}/net/{family}").read_text().splitlines()[1:]
        for line in lines:
            fields = line.split()
            if fields[9] in inodes:
                address, port = fields[1].split(":")
                if family == "udp":
                    shown = socket.inet_ntoa(bytes.fromhex(address)[::-1])
                else:
                    shown = address
                found.append((shown, int(port, 16), family))
    return found


@pytest.mark.skipif(not Path("/proc/self/net/udp").exists(), reason="needs Linux /proc")
def test_real_roles_hold_no_udp_socket_off_loopback(mesh: Any) -> None:
    """A store and a broker started as the suite starts them: their mDNS sockets send from
    127.0.0.1; the only other UDP socket is zeroconf's receive socket on the mDNS port."""
    store = mesh.store()
    broker = mesh.broker(store.endpoint)
    time.sleep(1.0)  # announcing is under way
    for proc in (store, broker):
        sockets = _udp_sockets(proc.popen.pid)
        assert ("127.0.0.1", 5353, "udp") in sockets, sockets
        for address, port, family in sockets:
            assert family == "udp" and (address == "127.0.0.1" or port == 5353), sockets
