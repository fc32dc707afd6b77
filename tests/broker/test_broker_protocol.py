"""The broker against independent MDP peers: a real broker process, and a client and a worker
written here from the RFC texts alone (RFC 7 for MDP/0.1, RFC 18 for MDP/0.2, RFC 8 for MMI).

Nothing here imports `mesh` or `broker` to build or read frames: if the broker only understood
its own library's idea of the protocol, these tests would catch it. Every receive polls with a
deadline, so a broker that stays silent fails a test instead of hanging it.
"""

from __future__ import annotations

import random
import re
import socket
import time
import urllib.request
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

import msgpack
import pytest
import zmq

pytestmark = pytest.mark.timeout(60)

# --- the protocol, from the RFCs ------------------------------------------------------------------

MDPC01, MDPW01 = b"MDPC01", b"MDPW01"  # RFC 7
MDPC02, MDPW02 = b"MDPC02", b"MDPW02"  # RFC 18

# RFC 7: READY, REQUEST, REPLY, HEARTBEAT, DISCONNECT. REPLY is called FINAL here.
# RFC 18: READY, REQUEST, PARTIAL, FINAL, HEARTBEAT, DISCONNECT.
WORKER_COMMANDS = {
    1: {"READY": b"\x01", "REQUEST": b"\x02", "FINAL": b"\x03", "HEARTBEAT": b"\x04",
        "DISCONNECT": b"\x05"},
    2: {"READY": b"\x01", "REQUEST": b"\x02", "PARTIAL": b"\x03", "FINAL": b"\x04",
        "HEARTBEAT": b"\x05", "DISCONNECT": b"\x06"},
}
CLIENT_COMMANDS_V2 = {"REQUEST": b"\x01", "PARTIAL": b"\x02", "FINAL": b"\x03"}

POLL_MS = 20


class PeerError(AssertionError):
    """The broker sent something the RFC does not allow here."""


class Client:
    """An MDP client. `kind`: "v1-req" (RFC 7 over a REQ socket, which adds the empty frame),
    "v1-dealer" (RFC 7 over a DEALER, empty frame written by hand) or "v2" (RFC 18, DEALER)."""

    def __init__(self, ctx: zmq.Context[Any], endpoint: str, kind: str = "v2") -> None:
        self.kind = kind
        self.sock = ctx.socket(zmq.REQ if kind == "v1-req" else zmq.DEALER)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.connect(endpoint)

    def send(self, service: bytes, *body: bytes) -> None:
        if self.kind == "v2":
            frames = [MDPC02, CLIENT_COMMANDS_V2["REQUEST"], service, *body]
        else:
            frames = [MDPC01, service, *body]
            if self.kind == "v1-dealer":
                frames.insert(0, b"")
        self.sock.send_multipart(frames)

    def recv(self, timeout: float = 5.0) -> tuple[str, bytes, list[bytes]] | None:
        """(command, service, body) of the next reply, or None after `timeout` seconds."""
        if not self.sock.poll(int(timeout * 1000)):
            return None
        frames = self.sock.recv_multipart()
        if self.kind == "v2":
            if len(frames) < 3 or frames[0] != MDPC02:
                raise PeerError(f"not an MDP/0.2 client reply: {frames!r}")
            command = {v: k for k, v in CLIENT_COMMANDS_V2.items()}.get(frames[1])
            if command not in ("PARTIAL", "FINAL"):
                raise PeerError(f"bad client command from broker: {frames!r}")
            return command, frames[2], frames[3:]
        if self.kind == "v1-dealer":
            if not frames or frames[0] != b"":
                raise PeerError(f"MDP/0.1 reply without empty frame: {frames!r}")
            frames = frames[1:]
        if len(frames) < 2 or frames[0] != MDPC01:
            raise PeerError(f"not an MDP/0.1 client reply: {frames!r}")
        return "FINAL", frames[1], frames[2:]

    def final(self, timeout: float = 5.0) -> tuple[bytes, list[bytes], list[list[bytes]]]:
        """Wait for FINAL: (service, body, bodies of the PARTIALs before it)."""
        partials: list[list[bytes]] = []
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            reply = self.recv(left)
            if reply is None:
                break
            command, service, body = reply
            if command == "FINAL":
                return service, body, partials
            partials.append(body)
        raise AssertionError(f"no FINAL within {timeout}s (partials so far: {partials})")

    def request(self, service: bytes, *body: bytes, timeout: float = 5.0) -> list[bytes]:
        self.send(service, *body)
        got_service, reply, _ = self.final(timeout)
        assert got_service == service
        return reply

    def close(self) -> None:
        self.sock.close(linger=0)


class Worker:
    """An MDP worker over a DEALER (RFC 7 with the empty frame, RFC 18 without).

    It heartbeats every `heartbeat` seconds while it waits (never, if None: a worker that has
    gone silent but keeps its socket open), and records the broker's heartbeats."""

    def __init__(self, ctx: zmq.Context[Any], endpoint: str, service: bytes, version: int = 2,
                 *, heartbeat: float | None = 1.0, advert: bytes | None = None) -> None:
        self.version = version
        self.heartbeat = heartbeat
        self.codes = WORKER_COMMANDS[version]
        self.names = {v: k for k, v in self.codes.items()}
        self.sock = ctx.socket(zmq.DEALER)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.connect(endpoint)
        self.requests: deque[tuple[bytes, list[bytes]]] = deque()
        self.heartbeats: list[float] = []
        self.disconnected = False
        self._last_sent = 0.0
        self.send("READY", service, *([advert] if advert is not None else []))

    def send(self, command: str, *frames: bytes) -> None:
        head = [b""] if self.version == 1 else []
        header = MDPW01 if self.version == 1 else MDPW02
        self.sock.send_multipart([*head, header, self.codes[command], *frames])
        self._last_sent = time.monotonic()

    def reply(self, client: bytes, *body: bytes) -> None:
        self.send("FINAL", client, b"", *body)

    def partial(self, client: bytes, *body: bytes) -> None:
        assert self.version == 2, "RFC 7 has no PARTIAL"
        self.send("PARTIAL", client, b"", *body)

    def pump(self, seconds: float) -> None:
        """Receive (and heartbeat) for `seconds`; requests pile up in `self.requests`."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self._step(left)

    def next_request(self, timeout: float = 5.0) -> tuple[bytes, list[bytes]] | None:
        """(client address, body) of the next REQUEST, or None after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while not self.requests and (left := deadline - time.monotonic()) > 0:
            self._step(left)
        return self.requests.popleft() if self.requests else None

    def _step(self, left: float) -> None:
        now = time.monotonic()
        if self.heartbeat is not None and now - self._last_sent >= self.heartbeat:
            self.send("HEARTBEAT")
        if not self.sock.poll(max(1, int(min(left, POLL_MS / 1000) * 1000))):
            return
        frames = self.sock.recv_multipart()
        if self.version == 1:
            if not frames or frames[0] != b"":
                raise PeerError(f"MDP/0.1 worker message without empty frame: {frames!r}")
            frames = frames[1:]
        header = MDPW01 if self.version == 1 else MDPW02
        if len(frames) < 2 or frames[0] != header:
            raise PeerError(f"bad header for MDP/0.{self.version} worker: {frames!r}")
        command = self.names.get(frames[1])
        args = frames[2:]
        if command == "HEARTBEAT" and not args:
            self.heartbeats.append(time.monotonic())
        elif command == "DISCONNECT" and not args:
            self.disconnected = True
        elif command == "REQUEST" and len(args) >= 2 and args[1] == b"" and args[0]:
            self.requests.append((args[0], args[2:]))
        else:
            raise PeerError(f"unexpected message to a worker: {frames!r}")

    def close(self) -> None:
        self.sock.close(linger=0)


# --- fixtures and helpers -------------------------------------------------------------------------


@pytest.fixture
def ctx() -> Iterator[zmq.Context[Any]]:
    context: zmq.Context[Any] = zmq.Context()
    try:
        yield context
    finally:
        context.destroy(linger=0)


def start_broker(mesh: Any, *args: str) -> Any:
    store = mesh.store()
    return mesh.broker(store.endpoint, *args)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text: str = response.read().decode()
        return text


_DROPPED = re.compile(
    r'^codemesh_dropped_messages_total\{reason="([^"]*)",role="broker"\} (\S+)$', re.M)
_RECEIVED = re.compile(r'^codemesh_messages_total\{role="broker"\} (\S+)$', re.M)


def dropped(port: int) -> dict[str, float]:
    return {reason: float(value) for reason, value in _DROPPED.findall(scrape(port))}


def received(port: int) -> float:
    match = _RECEIVED.search(scrape(port))
    return float(match.group(1)) if match else 0.0


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def mmi(client: Client, service: bytes) -> bytes:
    reply = client.request(b"mmi.service", service)
    assert len(reply) == 1
    return reply[0]


def echo_round_trip(ctx: zmq.Context[Any], endpoint: str, worker_version: int = 2,
                    client_kind: str = "v2", service: bytes = b"echo") -> None:
    worker = Worker(ctx, endpoint, service, worker_version)
    client = Client(ctx, endpoint, client_kind)
    try:
        client.send(service, b"hello", b"world")
        request = worker.next_request()
        assert request is not None, "the worker got no request"
        address, body = request
        assert body == [b"hello", b"world"]
        worker.reply(address, *body)
        got_service, reply, partials = client.final()
        assert (got_service, reply, partials) == (service, [b"hello", b"world"], [])
    finally:
        worker.send("DISCONNECT")
        worker.close()
        client.close()


# --- plain MDP interoperability -------------------------------------------------------------------


@pytest.mark.parametrize("client_kind", ["v1-req", "v1-dealer", "v2"])
@pytest.mark.parametrize("worker_version", [1, 2])
def test_plain_echo(mesh: Any, ctx: zmq.Context[Any], worker_version: int,
                    client_kind: str) -> None:
    broker = start_broker(mesh)
    echo_round_trip(ctx, broker.endpoint, worker_version, client_kind)
    # twice, so the worker's slot was freed by its reply
    echo_round_trip(ctx, broker.endpoint, worker_version, client_kind)
    assert broker.alive()


def test_one_worker_serves_many_requests_in_order(mesh: Any, ctx: zmq.Context[Any]) -> None:
    broker = start_broker(mesh)
    worker = Worker(ctx, broker.endpoint, b"echo", 1)
    client = Client(ctx, broker.endpoint, "v2")
    for n in range(20):
        client.send(b"echo", str(n).encode())
    for n in range(20):
        request = worker.next_request()
        assert request is not None
        assert request[1] == [str(n).encode()]
        worker.reply(request[0], b"re:" + request[1][0])
        assert client.final()[1] == [b"re:%d" % n]


@pytest.mark.parametrize("client_kind", ["v1-dealer", "v2"])
def test_partials_then_final(mesh: Any, ctx: zmq.Context[Any], client_kind: str) -> None:
    broker = start_broker(mesh)
    worker = Worker(ctx, broker.endpoint, b"echo", 2)
    client = Client(ctx, broker.endpoint, client_kind)
    client.send(b"echo", b"go")
    request = worker.next_request()
    assert request is not None
    address, _ = request
    worker.partial(address, b"p1")
    worker.partial(address, b"p2", b"more")
    worker.reply(address, b"done")
    if client_kind == "v2":
        assert client.recv() == ("PARTIAL", b"echo", [b"p1"])
        assert client.recv() == ("PARTIAL", b"echo", [b"p2", b"more"])
        assert client.recv() == ("FINAL", b"echo", [b"done"])
    else:  # RFC 7 clients take exactly one reply: the partials are not sent
        assert client.recv() == ("FINAL", b"echo", [b"done"])
    assert client.recv(0.3) is None


@pytest.mark.parametrize("client_kind", ["v1-req", "v2"])
def test_mmi_service(mesh: Any, ctx: zmq.Context[Any], client_kind: str) -> None:
    broker = start_broker(mesh)
    client = Client(ctx, broker.endpoint, client_kind)
    assert mmi(client, b"echo") == b"404"
    worker = Worker(ctx, broker.endpoint, b"echo", 2)
    assert wait_for(lambda: mmi(client, b"echo") == b"200", 5)
    assert mmi(client, b"nobody-serves-this") == b"404"
    client.send(b"mmi.nonsense", b"echo")
    assert client.final()[:2] == (b"mmi.nonsense", [b"501"])
    worker.send("DISCONNECT")
    assert wait_for(lambda: mmi(client, b"echo") == b"404", 5)


def test_request_queued_before_any_worker(mesh: Any, ctx: zmq.Context[Any]) -> None:
    broker = start_broker(mesh)
    client = Client(ctx, broker.endpoint, "v2")
    client.send(b"echo", b"early")
    assert client.recv(0.5) is None  # nobody to serve it yet; it waits
    worker = Worker(ctx, broker.endpoint, b"echo", 1)
    request = worker.next_request()
    assert request is not None and request[1] == [b"early"]
    worker.reply(request[0], b"late")
    assert client.final()[:2] == (b"echo", [b"late"])


# --- heartbeats and failure -----------------------------------------------------------------------


@pytest.mark.parametrize("version", [1, 2])
def test_broker_heartbeats_reach_the_worker(mesh: Any, ctx: zmq.Context[Any],
                                            version: int) -> None:
    broker = start_broker(mesh, "--heartbeat", "0.3")
    worker = Worker(ctx, broker.endpoint, b"echo", version, heartbeat=0.15)
    started = time.monotonic()
    deadline = started + 2 * 0.3 + 0.2  # two intervals, plus scheduling slack
    while not worker.heartbeats and time.monotonic() < deadline:
        worker.pump(0.02)
    assert worker.heartbeats, "no HEARTBEAT from the broker within two intervals"
    worker.pump(1.5)
    assert len(worker.heartbeats) >= 3
    assert not worker.disconnected


def test_silent_worker_is_forgotten(mesh: Any, ctx: zmq.Context[Any]) -> None:
    broker = start_broker(mesh, "--heartbeat", "0.3", "--liveness", "2")
    client = Client(ctx, broker.endpoint, "v2")
    worker = Worker(ctx, broker.endpoint, b"echo", 2, heartbeat=None)
    assert wait_for(lambda: mmi(client, b"echo") == b"200", 2)
    worker.pump(0.05)
    assert wait_for(lambda: mmi(client, b"echo") == b"404", 3)
    worker.close()


@pytest.mark.parametrize("versions", [(2, 2), (1, 2), (2, 1)])
def test_silent_worker_request_is_requeued(mesh: Any, ctx: zmq.Context[Any],
                                           versions: tuple[int, int]) -> None:
    broker = start_broker(mesh, "--heartbeat", "0.3", "--liveness", "2")
    silent = Worker(ctx, broker.endpoint, b"echo", versions[0], heartbeat=None)
    client = Client(ctx, broker.endpoint, "v2")
    client.send(b"echo", b"work")
    request = silent.next_request(2)
    assert request is not None and request[1] == [b"work"]
    # the first worker now says nothing more, but keeps its socket open
    healthy = Worker(ctx, broker.endpoint, b"echo", versions[1], heartbeat=0.1)
    begun = time.monotonic()
    requeued = healthy.next_request(5)
    assert requeued is not None, "the in-flight request was not requeued"
    assert requeued[1] == [b"work"]
    assert time.monotonic() - begun < 3.0
    healthy.reply(requeued[0], b"from the second worker")
    assert client.final()[:2] == (b"echo", [b"from the second worker"])
    silent.pump(0.3)
    assert not silent.requests  # it was not given the request a second time
    # a late answer from the forgotten worker reaches nobody; the broker asks it to reconnect
    silent.reply(request[0], b"too late")
    silent.pump(0.5)
    assert silent.disconnected
    assert client.recv(0.3) is None


def test_worker_disconnect_requeues(mesh: Any, ctx: zmq.Context[Any]) -> None:
    broker = start_broker(mesh)
    first = Worker(ctx, broker.endpoint, b"echo", 2)
    client = Client(ctx, broker.endpoint, "v1-req")
    client.send(b"echo", b"job")
    assert first.next_request() is not None
    second = Worker(ctx, broker.endpoint, b"echo", 1)
    first.send("DISCONNECT")
    request = second.next_request()
    assert request is not None and request[1] == [b"job"]
    second.reply(request[0], b"ok")
    assert client.final()[1] == [b"ok"]


# --- RFC 7/18 rules for misbehaving workers -------------------------------------------------------


@pytest.mark.parametrize("version", [1, 2])
def test_unknown_worker_is_told_to_disconnect(mesh: Any, ctx: zmq.Context[Any],
                                              version: int) -> None:
    broker = start_broker(mesh)
    worker = Worker(ctx, broker.endpoint, b"echo", version, heartbeat=None)
    worker.send("DISCONNECT")  # the broker forgets it ...
    worker.pump(0.2)
    worker.send("HEARTBEAT")  # ... so a heartbeat now comes from a worker it does not know
    worker.pump(1.0)
    assert worker.disconnected


def test_second_ready_and_reserved_names_disconnect(mesh: Any, ctx: zmq.Context[Any]) -> None:
    broker = start_broker(mesh)
    twice = Worker(ctx, broker.endpoint, b"echo", 2)
    twice.send("READY", b"echo")
    twice.pump(1.0)
    assert twice.disconnected
    reserved = Worker(ctx, broker.endpoint, b"mmi.service", 1)
    reserved.pump(1.0)
    assert reserved.disconnected
    client = Client(ctx, broker.endpoint, "v2")
    assert mmi(client, b"echo") == b"404"


def test_invalid_message_from_worker_requeues_its_request(mesh: Any,
                                                          ctx: zmq.Context[Any]) -> None:
    broker = start_broker(mesh)
    bad = Worker(ctx, broker.endpoint, b"echo", 2)
    client = Client(ctx, broker.endpoint, "v2")
    client.send(b"echo", b"x")
    assert bad.next_request() is not None
    bad.sock.send_multipart([MDPW02, WORKER_COMMANDS[2]["HEARTBEAT"], b"junk"])
    bad.pump(1.0)
    assert bad.disconnected
    good = Worker(ctx, broker.endpoint, b"echo", 2)
    request = good.next_request()
    assert request is not None and request[1] == [b"x"]


# --- capabilities and slots -----------------------------------------------------------------------


def test_capability_superset_serves_subset(mesh: Any, ctx: zmq.Context[Any]) -> None:
    broker = start_broker(mesh)
    worker = Worker(ctx, broker.endpoint, b"lang:go+race", 2)
    client = Client(ctx, broker.endpoint, "v2")
    client.send(b"race", b"t")
    request = worker.next_request()
    assert request is not None and request[1] == [b"t"]
    worker.reply(request[0], b"raced")
    assert client.final()[:2] == (b"race", [b"raced"])
    assert mmi(client, b"race") == b"200"
    assert mmi(client, b"race+lang:go") == b"200"
    assert mmi(client, b"lang:go+race+tool:go") == b"404"


def test_capability_subset_does_not_serve_superset(mesh: Any, ctx: zmq.Context[Any]) -> None:
    broker = start_broker(mesh)
    plain = Worker(ctx, broker.endpoint, b"lang:go", 1)
    client = Client(ctx, broker.endpoint, "v2")
    client.send(b"lang:go+race", b"needs race")
    assert plain.next_request(1.0) is None
    assert mmi(client, b"lang:go+race") == b"404"
    # the lang:go worker still gets what it can do
    other = Client(ctx, broker.endpoint, "v1-req")
    other.send(b"lang:go", b"plain go")
    request = plain.next_request()
    assert request is not None and request[1] == [b"plain go"]
    plain.reply(request[0], b"ok")
    assert other.final()[1] == [b"ok"]
    # a worker with every capability picks up the waiting request
    racer = Worker(ctx, broker.endpoint, b"race+tool:go+lang:go", 2)
    request = racer.next_request()
    assert request is not None and request[1] == [b"needs race"]
    racer.reply(request[0], b"raced")
    assert client.final()[:2] == (b"lang:go+race", [b"raced"])
    assert not plain.requests


def _serve_all(worker: Worker, clients: list[Client]) -> None:
    """Answer every request `worker` holds and check each client gets its own answer."""
    while worker.requests:
        address, body = worker.requests.popleft()
        worker.reply(address, b"re:" + body[0])
    for n, client in enumerate(clients):
        assert client.final()[1] == [b"re:%d" % n]


def test_service_without_capabilities_reaches_no_worker(mesh: Any,
                                                        ctx: zmq.Context[Any]) -> None:
    """`""` and `"+"` name no capability. The empty set is a subset of every worker's, but a
    plain `echo` worker never offered such a service and must not get the request."""
    port = free_port()
    broker = start_broker(mesh, "--metrics-port", str(port))
    worker = Worker(ctx, broker.endpoint, b"echo", 2)
    client = Client(ctx, broker.endpoint, "v2")
    assert wait_for(lambda: mmi(client, b"echo") == b"200", 5)
    for service in (b"", b"+", b"++"):
        client.send(service, b"stray")
    # the 0.1 form whose delimiter landed after the header: service "" again
    client.sock.send_multipart([MDPC01, b"", b"fuzz", b"body"])
    worker.pump(0.5)
    assert not worker.requests
    assert mmi(client, b"+") == b"404"
    assert wait_for(lambda: dropped(port).get("bad-service", 0) >= 4, 5), dropped(port)
    client.send(b"echo", b"ping")
    request = worker.next_request()
    assert request is not None and request[1] == [b"ping"]
    worker.reply(request[0], b"pong")
    assert client.final()[:2] == (b"echo", [b"pong"])


@pytest.mark.parametrize("version", [1, 2])
def test_slots_from_advert(mesh: Any, ctx: zmq.Context[Any], version: int) -> None:
    broker = start_broker(mesh)
    worker = Worker(ctx, broker.endpoint, b"echo", version,
                    advert=msgpack.packb({"slots": 2}))
    clients = [Client(ctx, broker.endpoint, "v2") for _ in range(3)]
    for n, client in enumerate(clients):
        client.send(b"echo", b"%d" % n)
    worker.pump(1.0)
    assert len(worker.requests) == 2, "a worker with two slots holds two requests at once"
    held = {body[0] for _, body in worker.requests}
    assert len({address for address, _ in worker.requests}) == 2
    address, body = worker.requests.popleft()
    worker.reply(address, b"re:" + body[0])  # frees one slot: the third request comes
    worker.pump(0.5)
    assert len(worker.requests) == 2
    assert held | {body[0] for _, body in worker.requests} == {b"0", b"1", b"2"}
    _serve_all(worker, clients)


@pytest.mark.parametrize("version", [1, 2])
def test_default_worker_takes_one_at_a_time(mesh: Any, ctx: zmq.Context[Any],
                                            version: int) -> None:
    broker = start_broker(mesh)
    worker = Worker(ctx, broker.endpoint, b"echo", version)
    clients = [Client(ctx, broker.endpoint, "v2") for _ in range(2)]
    for n, client in enumerate(clients):
        client.send(b"echo", b"%d" % n)
    worker.pump(1.0)
    assert len(worker.requests) == 1, "a worker without an advert has one slot"
    address, body = worker.requests.popleft()
    worker.reply(address, b"re:" + body[0])
    worker.pump(0.5)
    assert len(worker.requests) == 1
    assert worker.requests[0][1] != body
    _serve_all(worker, clients)


# --- malformed input and fuzzing -----------------------------------------------------------------

MAX_MESSAGE = 4096


def test_malformed_messages_are_dropped_and_counted(mesh: Any, ctx: zmq.Context[Any]) -> None:
    port = free_port()
    broker = start_broker(mesh, "--metrics-port", str(port), "--max-message", str(MAX_MESSAGE))
    before = dropped(port)
    bad: dict[str, list[list[bytes]]] = {
        "empty": [[b""]],
        "unknown-protocol": [[b"HELLO", b"echo"], [b"", b"MDPC03", b"\x01", b"echo"]],
        "truncated": [[MDPW02, b"\x01"], [b"", MDPW01], [MDPC02, b"\x01"],
                      [MDPW02, b"\x02", b"C", b"no delimiter"]],
        "unknown-command": [[MDPW02, b"\x09"], [MDPC02, b"\x07", b"echo"],
                            [b"", MDPW01, b"\x06"]],
        "malformed": [[MDPW02, b"\x05", b"extra"], [b"", MDPW01, b"\x05", b"x", b"y"]],
        # over --max-message in total: 10 KB in five frames, and 6 KB in one frame
        "oversized": [[MDPC02, b"\x01", b"echo", *[b"x" * 2048] * 5],
                      [MDPC02, b"\x01", b"echo", b"y" * 6 * 1024]],
        "unexpected-command": [[MDPC02, CLIENT_COMMANDS_V2["PARTIAL"], b"echo", b"p"],
                               [MDPC02, CLIENT_COMMANDS_V2["FINAL"], b"echo"]],
        "bad-submit": [[MDPC02, b"\x01", b"codemesh.submit", b"\xc1 not msgpack"]],
    }
    sock = ctx.socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(broker.endpoint)
    for messages in bad.values():
        for frames in messages:
            sock.send_multipart(frames)
    # an advert that is not msgpack is counted, but the worker is still registered (1 slot)
    advert = ctx.socket(zmq.DEALER)
    advert.setsockopt(zmq.LINGER, 0)
    advert.connect(broker.endpoint)
    advert.send_multipart([MDPW02, b"\x01", b"advertised", b"\xc1\xc1"])

    def rose() -> bool:
        now = dropped(port)
        return all(now.get(reason, 0) - before.get(reason, 0) >= len(messages)
                   for reason, messages in {**bad, "bad-advert": [[]]}.items())

    assert wait_for(rose), f"counters: {dropped(port)}"
    assert dropped(port).get("internal-error", 0) == 0
    client = Client(ctx, broker.endpoint, "v2")
    assert mmi(client, b"advertised") == b"200"
    # a message just under the limit still goes through
    worker = Worker(ctx, broker.endpoint, b"echo", 2)
    payload = b"z" * (MAX_MESSAGE - 64)
    client.send(b"echo", payload)
    request = worker.next_request()
    assert request is not None and request[1] == [payload]
    # the bad-submit got an error reply on the bad socket; nothing else answered the garbage
    assert sock.poll(2000)
    reply = sock.recv_multipart()
    assert reply[:3] == [MDPC02, CLIENT_COMMANDS_V2["FINAL"], b"codemesh.submit"]
    assert "error" in msgpack.unpackb(reply[3])
    assert not sock.poll(200)
    assert broker.alive()


def test_oversized_frame_beyond_the_ceiling_does_not_hurt(mesh: Any,
                                                          ctx: zmq.Context[Any]) -> None:
    """One frame over twice --max-message is refused by ZeroMQ itself (ZMQ_MAXMSGSIZE): that
    peer is disconnected before the broker sees the message. The broker carries on."""
    port = free_port()
    broker = start_broker(mesh, "--metrics-port", str(port), "--max-message", str(MAX_MESSAGE))
    sock = ctx.socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(broker.endpoint)
    sock.send_multipart([MDPC02, b"\x01", b"echo", b"x" * 10 * 1024])
    sock.send_multipart([MDPC02, b"\x01", b"echo", b"y" * 64 * 1024])
    time.sleep(0.5)
    assert broker.alive()
    echo_round_trip(ctx, broker.endpoint)
    assert dropped(port).get("internal-error", 0) == 0


def _valid_messages() -> list[list[bytes]]:
    """Valid MDP messages of every kind, for both versions, delimited and not. No `echo`."""
    client = b"\x00\x80\x00\x41\xa7"
    advert = msgpack.packb({"slots": 3, "host": "fuzz"})
    messages: list[list[bytes]] = []
    for head in ([], [b""]):
        messages += [
            [*head, MDPC01, b"fuzz", b"body"],
            [*head, MDPC02, b"\x01", b"fuzz+x", b"body", b""],
            [*head, MDPC02, b"\x01", b"mmi.service", b"fuzz"],
            [*head, MDPC02, b"\x01", b"mmi.other"],
            [*head, MDPC02, b"\x01", b"codemesh.info"],
            [*head, MDPC02, b"\x02", b"fuzz", b"p"],
            [*head, MDPC02, b"\x03", b"fuzz", b"f"],
        ]
        for version, header in ((1, MDPW01), (2, MDPW02)):
            codes = WORKER_COMMANDS[version]
            messages += [
                [*head, header, codes["READY"], b"fuzz"],
                [*head, header, codes["READY"], b"fuzz+x", advert],
                [*head, header, codes["REQUEST"], client, b"", b"q"],
                [*head, header, codes["FINAL"], client, b"", b"f"],
                [*head, header, codes["HEARTBEAT"]],
                [*head, header, codes["DISCONNECT"]],
            ]
            if version == 2:
                messages.append([*head, header, codes["PARTIAL"], client, b"", b"p"])
    return messages


def _mutate(rng: random.Random, frames: list[bytes]) -> list[bytes]:
    frames = list(frames)
    for _ in range(rng.randint(1, 3)):
        op = rng.randrange(7)
        index = rng.randrange(len(frames)) if frames else 0
        if op == 0 and frames:
            del frames[index]
        elif op == 1:
            frames.insert(index, rng.randbytes(rng.randint(0, 8)))
        elif op == 2 and frames:
            frames.insert(index, frames[index])
        elif op == 3 and frames and frames[index]:
            data = bytearray(frames[index])
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
            frames[index] = bytes(data)
        elif op == 4 and frames:
            frames[index] = frames[index][:rng.randint(0, len(frames[index]))]
        elif op == 5 and len(frames) > 1:
            other = rng.randrange(len(frames))
            frames[index], frames[other] = frames[other], frames[index]
        else:
            frames.append(rng.choice([b"", b"\x01", b"\x05", rng.randbytes(4)]))
    return frames


@pytest.mark.timeout(120)
def test_fuzz(mesh: Any, ctx: zmq.Context[Any]) -> None:
    seed = 20240607
    rng = random.Random(seed)
    port = free_port()
    broker = start_broker(mesh, "--metrics-port", str(port), "--heartbeat", "0.5",
                          "--request-timeout", "2")
    before = received(port)
    valid = _valid_messages()
    sock = ctx.socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.setsockopt(zmq.SNDTIMEO, 5000)
    sock.connect(broker.endpoint)
    count = 10_000
    for n in range(count):
        if rng.random() < 0.5:
            frames = [rng.randbytes(rng.choice([0, 1, 2, 6, 16, 64]))
                      for _ in range(rng.randint(0, 6))]
            frames = frames or [b""]  # a ZeroMQ message has at least one frame
        else:
            frames = _mutate(rng, rng.choice(valid)) or [b""]
        try:
            sock.send_multipart(frames)
        except zmq.Again:
            pytest.fail(f"broker stopped reading (message {n}, seed {seed}): {frames!r}")
        while sock.poll(0):  # whatever the broker answers is not our business; keep it moving
            sock.recv_multipart()
        if n % 1000 == 0:
            assert broker.alive(), f"broker died by message {n} (seed {seed})"
    # leave no registered worker behind (a mutated READY may have registered this socket)
    sock.send_multipart([MDPW02, WORKER_COMMANDS[2]["DISCONNECT"]])
    assert wait_for(lambda: received(port) - before >= count + 1, 30), \
        f"broker processed {received(port) - before} of {count + 1}"
    assert broker.alive()
    counts = dropped(port)
    assert sum(counts.values()) > 0
    assert counts.get("internal-error", 0) == 0, f"seed {seed}: {counts}; see {broker.log}"
    for reason in ("empty", "unknown-protocol", "truncated", "unknown-command", "malformed"):
        assert counts.get(reason, 0) > 0, counts
    sock.close(linger=0)
    echo_round_trip(ctx, broker.endpoint, 1, "v1-req")
    echo_round_trip(ctx, broker.endpoint, 2, "v2")
    assert broker.alive()
