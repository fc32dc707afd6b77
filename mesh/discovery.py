"""Zeroconf (mDNS/DNS-SD) discovery: roles announce themselves, clients and workers browse.

Every long-running role registers one service of its type (`SERVICE_TYPES`) whose TXT record
carries the mesh name, the codemesh version, the role and role data; a browser keeps only the
peers of its own mesh, so `--mesh NAME` keeps two labs on one LAN apart. `--mdns-interface ADDR`
limits the interfaces a process announces and browses on. Records carry a short TTL
(`RECORD_TTL`) and browsers refresh them before it runs out, so a process that dies without
saying goodbye is forgotten within about that time; a clean stop unregisters (goodbye packets)
and peers forget it at once.

`CODEMESH_MDNS_ONLY` (comma-separated addresses) is a hard limit over every flag: the test suite
sets it to 127.0.0.1 (or to its network namespaces' addresses) so no test ever announces on the
machine's real network. This module never opens a ZeroMQ socket.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import logging
import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import zeroconf
from zeroconf import InterfaceChoice, IPVersion, ServiceStateChange, Zeroconf
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

from mesh import __version__

log = logging.getLogger("codemesh.discovery")

SERVICE_TYPES = {
    "broker": "_codemesh-broker._tcp.local.",
    "store": "_codemesh-store._tcp.local.",
    "dash": "_codemesh-dash._tcp.local.",
}
ROLE_OF_TYPE = {kind: role for role, kind in SERVICE_TYPES.items()}
AUTO = "auto"  # the endpoint value that means "find it by browsing"
DEFAULT_MESH = "default"
MESH_ENV = "CODEMESH_MESH"
ONLY_ENV = "CODEMESH_MDNS_ONLY"
RECORD_TTL = 20  # seconds; how long a silently dead process stays listed at most (about)
TTL_ENV = "CODEMESH_MDNS_TTL"  # overrides RECORD_TTL (tests use a few seconds)
RESOLVE_TIMEOUT_MS = 3000


class DiscoveryError(RuntimeError):
    """Discovery cannot run as asked (an interface outside CODEMESH_MDNS_ONLY, nothing found)."""


@dataclass(frozen=True)
class Peer:
    """One announced process of this mesh."""

    role: str
    name: str  # the DNS-SD instance name, unique per process
    mesh: str
    version: str
    addresses: tuple[str, ...]
    port: int
    data: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    @property
    def endpoint(self) -> str:
        """The ZeroMQ endpoint to connect to (the first announced address)."""
        host = self.addresses[0]
        return f"tcp://[{host}]:{self.port}" if ":" in host else f"tcp://{host}:{self.port}"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mesh", default=os.environ.get(MESH_ENV, DEFAULT_MESH), metavar="NAME",
                        help="mesh name: only peers announcing the same name are found, so two "
                             f"labs on one LAN stay apart (default: ${MESH_ENV} or "
                             f"{DEFAULT_MESH!r})")
    parser.add_argument("--mdns-interface", action="append", default=[], metavar="ADDR",
                        dest="mdns_interfaces",
                        help="announce and browse with mDNS only on the interface with this "
                             "address (repeatable; default: all interfaces)")
    parser.add_argument("--no-mdns", action="store_true",
                        help="neither announce nor browse (explicit endpoints only)")


def interfaces(requested: list[str]) -> list[str] | None:
    """The interface addresses to use (None: all), within CODEMESH_MDNS_ONLY when it is set."""
    for address in requested:
        try:
            ipaddress.ip_address(address)
        except ValueError:
            raise DiscoveryError(f"--mdns-interface {address!r} is not an IP address") from None
    only = [a.strip() for a in os.environ.get(ONLY_ENV, "").split(",") if a.strip()]
    if not only:
        return list(requested) or None
    if not requested:
        return only
    outside = [a for a in requested if a not in only]
    if outside:
        raise DiscoveryError(f"mDNS on {', '.join(outside)} refused: {ONLY_ENV} allows only "
                             f"{', '.join(only)}")
    return list(requested)


def record_ttl() -> int:
    text = os.environ.get(TTL_ENV, "")
    return max(int(text), 1) if text.isdigit() else RECORD_TTL


def _ip_version(addresses: list[str] | None) -> IPVersion:
    if not addresses:
        return IPVersion.V4Only
    versions = {ipaddress.ip_address(a).version for a in addresses}
    if versions == {6}:
        return IPVersion.V6Only
    return IPVersion.All if len(versions) > 1 else IPVersion.V4Only


def split_endpoint(endpoint: str) -> tuple[str, int]:
    """`tcp://HOST:PORT` -> (HOST, PORT)."""
    parts = urlsplit(endpoint)
    if parts.scheme != "tcp" or parts.hostname is None or parts.port is None:
        raise DiscoveryError(f"cannot announce {endpoint!r}: only tcp://HOST:PORT endpoints")
    return parts.hostname, parts.port


class Discovery:
    """One zeroconf instance per process: announce this process's services, browse others'."""

    def __init__(self, mesh: str, interfaces_: list[str] | None = None) -> None:
        self.mesh = mesh
        self.interfaces = interfaces_
        self.zc: AsyncZeroconf | None = None
        self._registered: list[AsyncServiceInfo] = []
        self._browsers: list[AsyncServiceBrowser] = []
        self._peers: dict[str, Peer] = {}
        self._changed = asyncio.Event()
        self._resolving: set[asyncio.Task[None]] = set()
        self._announcing: set[asyncio.Task[str]] = set()
        self.on_change: list[Callable[[], None]] = []
        self._refresher: asyncio.Task[None] | None = None
        self._names: dict[str, str] = {}  # every instance the browsers list -> its type

    async def __aenter__(self) -> Discovery:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        if self.zc is not None:
            return
        self.zc = AsyncZeroconf(interfaces=self.interfaces or InterfaceChoice.All,
                                ip_version=_ip_version(self.interfaces))
        await self.zc.zeroconf.async_wait_for_start()
        log.info("mdns started", extra={"mesh": self.mesh,
                                        "interfaces": ",".join(self.interfaces or ["all"])})

    async def close(self) -> None:
        """Goodbye packets for what we announced, then stop browsing."""
        if self.zc is None:
            return
        if self._refresher is not None:
            self._refresher.cancel()
        for pending in [*self._resolving, *self._announcing]:
            pending.cancel()
        for browser in self._browsers:
            with contextlib.suppress(Exception):
                await browser.async_cancel()
        if self._registered:
            with contextlib.suppress(Exception):
                await self.zc.async_unregister_all_services()
        await self.zc.async_close()
        self.zc = None

    # -- announcing -----------------------------------------------------------------------------

    async def advertise(self, role: str, endpoint: str, data: dict[str, str] | None = None) \
            -> str:
        """Announce `endpoint` as a `role` of this mesh; returns the instance name."""
        await self.start()
        assert self.zc is not None
        host, port = split_endpoint(endpoint)
        addresses = self._announced_addresses(host)
        token = secrets.token_hex(3)
        label = f"{role}-{socket.gethostname()[:30]}-{os.getpid()}-{token}"
        kind = SERVICE_TYPES[role]
        properties = {"mesh": self.mesh, "version": __version__, "role": role, **(data or {})}
        info = AsyncServiceInfo(
            kind, f"{label}.{kind}", port=port, properties=properties,
            server=f"codemesh-{token}.local.",
            addresses=[ipaddress.ip_address(a).packed for a in addresses],
            host_ttl=record_ttl(), other_ttl=record_ttl())
        await self.zc.async_register_service(info, allow_name_change=True)
        self._registered.append(info)
        log.info("announced", extra={"service": info.name, "endpoint": endpoint,
                                     "mesh": self.mesh})
        return info.name

    def announce_soon(self, role: str, endpoint: str, data: dict[str, str] | None = None) -> None:
        """`advertise` from a synchronous ready callback; a failure is logged, never raised
        (the role serves its explicit endpoint whether or not mDNS works)."""
        task = asyncio.ensure_future(self.advertise(role, endpoint, data))
        self._announcing.add(task)
        task.add_done_callback(self._announced)

    def _announced(self, task: asyncio.Task[str]) -> None:
        self._announcing.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("mDNS announcement failed", exc_info=task.exception())

    def _announced_addresses(self, host: str) -> list[str]:
        """A specific bind address is announced as is; a wildcard one as the addresses of the
        interfaces mDNS runs on (every non-loopback one when it runs on all)."""
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return [socket.gethostbyname(host)]
        if not address.is_unspecified:
            return [host]
        if self.interfaces:
            return list(self.interfaces)
        found = [a for a in zeroconf.get_all_addresses()  # type: ignore[attr-defined]
                  if not ipaddress.ip_address(a).is_loopback]
        return found or ["127.0.0.1"]

    # -- browsing -------------------------------------------------------------------------------

    async def browse(self, *roles: str) -> None:
        await self.start()
        assert self.zc is not None
        kinds = [SERVICE_TYPES[role] for role in roles]
        self._browsers.append(AsyncServiceBrowser(self.zc.zeroconf, kinds,
                                                  handlers=[self._on_state_change]))
        if self._refresher is None:
            self._refresher = asyncio.ensure_future(self._refresh_forever())

    async def _refresh_forever(self) -> None:
        """Resolve every listed instance again each half TTL: a peer whose records ran out
        and that answers no query died without a goodbye and is forgotten; one that answers
        again comes back. (zeroconf holds service pointers for at least 1125 s, RFC 6762
        10.2, so the browser alone would keep a dead peer listed for most of an hour.)"""
        while True:
            await asyncio.sleep(max(record_ttl() / 2, 1.0))
            await asyncio.gather(*(self._resolve(kind, name)
                                   for name, kind in list(self._names.items())))

    def _on_state_change(self, zeroconf: Zeroconf, service_type: str, name: str,
                         state_change: ServiceStateChange) -> None:
        if state_change is ServiceStateChange.Removed:
            self._names.pop(name, None)
            if self._peers.pop(name, None) is not None:
                log.info("peer gone", extra={"service": name})
                self._notify()
            return
        self._names[name] = service_type
        task = asyncio.ensure_future(self._resolve(service_type, name))
        self._resolving.add(task)
        task.add_done_callback(self._resolving.discard)

    async def _resolve(self, service_type: str, name: str) -> None:
        """Add or update the peer `name` announces; forget it when it no longer answers."""
        assert self.zc is not None
        info = AsyncServiceInfo(service_type, name)
        if not await info.async_request(self.zc.zeroconf, RESOLVE_TIMEOUT_MS):
            if self._peers.pop(name, None) is not None:
                log.info("peer silent; forgotten", extra={"service": name})
                self._notify()
            return
        props = {_text(k): _text(v) for k, v in info.properties.items() if v is not None}
        if props.get("mesh") != self.mesh or info.port is None:
            return
        addresses = tuple(info.parsed_scoped_addresses())
        if not addresses:
            return
        peer = Peer(role=ROLE_OF_TYPE.get(service_type, props.get("role", "")), name=name,
                    mesh=self.mesh, version=props.get("version", ""), addresses=addresses,
                    port=info.port, data=props)
        if self._peers.get(name) != peer:
            self._peers[name] = peer
            log.info("peer found", extra={"service": name, "endpoint": peer.endpoint})
            self._notify()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()
        for callback in self.on_change:
            callback()

    def peers(self, role: str) -> list[Peer]:
        """The live peers of `role` in this mesh, in a stable order."""
        return sorted((p for p in self._peers.values() if p.role == role), key=lambda p: p.name)

    async def changed(self) -> None:
        """Wait until the set of peers changes."""
        await self._changed.wait()

    async def wait_for(self, role: str, timeout: float | None = None) -> Peer:
        """The first peer of `role`, waiting for one to appear (DiscoveryError after timeout)."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while not (found := self.peers(role)):
            left = None if deadline is None else deadline - loop.time()
            if left is not None and left <= 0:
                raise DiscoveryError(
                    f"no {role} of mesh {self.mesh!r} found by mDNS in {timeout:g}s; start "
                    f"`codemesh {role}` on this LAN with --mesh {self.mesh}, or give its "
                    f"endpoint explicitly")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed(), left)
        return found[0]


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def from_args(args: argparse.Namespace) -> Discovery | None:
    """The process's Discovery from its flags, or None with --no-mdns."""
    if getattr(args, "no_mdns", False):
        return None
    return Discovery(args.mesh, interfaces(list(args.mdns_interfaces)))


async def resolve(endpoint: str, role: str, found_by: Discovery | None,
                  timeout: float | None = None) -> str:
    """`endpoint` itself, or with `auto` the endpoint of the first `role` found by browsing."""
    if endpoint != AUTO:
        return endpoint
    if found_by is None:
        raise DiscoveryError(f"finding the {role} needs mDNS: drop --no-mdns or give the "
                             f"{role}'s endpoint")
    await found_by.browse(role)
    return (await found_by.wait_for(role, timeout)).endpoint
