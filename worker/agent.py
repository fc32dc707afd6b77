"""The worker's MDP side: one DEALER per broker it knows, READY with capabilities, heartbeats both
ways, reconnection with exponential backoff when a broker goes silent (Paranoid Pirate, RFC 6),
and one asyncio task per request so analysis never holds up heartbeats.

Every broker sees the worker's full slot count, so each can use it, and the worker shares its
slots among them: a REQUEST that arrives when every slot is busy (another broker took it first)
is answered at once with a FINAL whose body is `mdp.DECLINED`, and that broker re-routes it. The
worker never runs more than its slots.

It never builds a frame by hand (`mesh.mdp` does) and never analyzes code itself (`worker.tasks`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

import zmq
import zmq.asyncio

from mesh import __version__, codec, mdp, metrics, sockets
from mesh.mdp import WorkerCommand, WorkerMessage
from mesh.models import WorkerAdvert

log = logging.getLogger("codemesh.worker")

DEFAULT_MAX_MESSAGE = 8 * 1024 * 1024

# A request handler gets the request body and a way to send PARTIALs; it returns the FINAL body.
Handler = Callable[[list[bytes], Callable[[list[bytes]], None]], Awaitable[list[bytes]]]


class BrokerSource(Protocol):
    """Where the brokers come from: a fixed list, or mDNS (`mesh.discovery.Discovery`)."""

    def endpoints(self) -> list[str]: ...

    async def changed(self) -> None: ...


class FixedBrokers:
    def __init__(self, endpoints: list[str]) -> None:
        self._endpoints = list(endpoints)

    def endpoints(self) -> list[str]:
        return list(self._endpoints)

    async def changed(self) -> None:
        await asyncio.Event().wait()  # never


@dataclass
class AgentConfig:
    broker: str  # used when no BrokerSource is given
    capabilities: frozenset[str]
    slots: int = 1
    heartbeat: float = mdp.HEARTBEAT_INTERVAL
    liveness: int = mdp.HEARTBEAT_LIVENESS
    reconnect_initial: float = 0.5
    reconnect_max: float = 32.0
    max_message: int = DEFAULT_MAX_MESSAGE
    tools: dict[str, str] | None = None


class WorkerAgent:
    def __init__(self, config: AgentConfig, handler: Handler,
                 brokers: BrokerSource | None = None) -> None:
        self.config = config
        self.handler = handler
        self.brokers = brokers or FixedBrokers([config.broker])
        self.free = config.slots  # shared by every broker connection
        self.running: set[asyncio.Task[None]] = set()
        self.sessions: dict[str, asyncio.Task[None]] = {}

    def _advert(self) -> bytes:
        return codec.pack(WorkerAdvert(slots=self.config.slots, host=socket.gethostname(),
                                       pid=os.getpid(), version=__version__,
                                       tools=self.config.tools or {}))

    async def run(self, stop: asyncio.Event) -> None:
        """Keep one connection per known broker until `stop`."""
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                for endpoint in self.brokers.endpoints():
                    if endpoint not in self.sessions:
                        task = asyncio.ensure_future(self._connection(endpoint, stop))
                        self.sessions[endpoint] = task
                        task.add_done_callback(functools.partial(self._ended, endpoint))
                changed = asyncio.ensure_future(self.brokers.changed())
                await asyncio.wait({changed, stopping}, return_when=asyncio.FIRST_COMPLETED)
                changed.cancel()
        finally:
            stopping.cancel()
            for task in self.running:
                task.cancel()
            if self.sessions:
                await asyncio.wait(list(self.sessions.values()), timeout=2)

    def _ended(self, endpoint: str, task: asyncio.Task[None]) -> None:
        if self.sessions.get(endpoint) is task:
            del self.sessions[endpoint]
        if not task.cancelled() and task.exception() is not None:
            log.error("broker connection failed", exc_info=task.exception())

    async def _connection(self, endpoint: str, stop: asyncio.Event) -> None:
        """Sessions with one broker, reconnecting with backoff while it is still known."""
        backoff = self.config.reconnect_initial
        while not stop.is_set():
            heard = await Session(self, endpoint).run(stop)
            if stop.is_set():
                return
            if endpoint not in self.brokers.endpoints():
                log.info("broker gone; not reconnecting", extra={"broker": endpoint})
                return
            backoff = self.config.reconnect_initial if heard else \
                min(backoff * 2, self.config.reconnect_max)
            log.warning("broker unreachable; reconnecting",
                        extra={"broker": endpoint, "delay": backoff})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), backoff)


class Session:
    """One connection to one broker, until it goes silent, says DISCONNECT, or we stop."""

    def __init__(self, agent: WorkerAgent, endpoint: str) -> None:
        self.agent = agent
        self.endpoint = endpoint
        self.sock: zmq.asyncio.Socket | None = None

    async def run(self, stop: asyncio.Event) -> bool:
        """Returns whether the broker was heard at all (to reset the reconnect backoff)."""
        config = self.agent.config
        ctx = zmq.asyncio.Context.instance()
        self.sock = sockets.make_socket(ctx, zmq.DEALER, max_message=config.max_message)
        self.sock.connect(self.endpoint)
        service = mdp.service_name(config.capabilities)
        self._send(WorkerMessage(WorkerCommand.READY, service=service,
                                 body=[self.agent._advert()]))
        log.info("worker ready", extra={"broker": self.endpoint, "service": service.decode(),
                                        "slots": config.slots})
        liveness = config.liveness
        heard = False
        next_heartbeat = time.monotonic() + config.heartbeat
        try:
            while not stop.is_set():
                timeout = max(next_heartbeat - time.monotonic(), 0.0)
                events = await self.sock.poll(timeout * 1000)
                if events:
                    frames = await self.sock.recv_multipart()
                    liveness = config.liveness
                    heard = True
                    if not self._on_message(frames):
                        return heard
                if time.monotonic() >= next_heartbeat:
                    if not events:
                        liveness -= 1
                        if liveness <= 0:
                            return heard
                    self._send(WorkerMessage(WorkerCommand.HEARTBEAT))
                    next_heartbeat = time.monotonic() + config.heartbeat
            self._send(WorkerMessage(WorkerCommand.DISCONNECT))
            return heard
        finally:
            self.sock.close(linger=100 if stop.is_set() else 0)
            self.sock = None

    def _on_message(self, frames: list[bytes]) -> bool:
        """Handle one broker message; False when the session must end."""
        try:
            message = mdp.parse(frames)
        except mdp.ProtocolError as exc:
            metrics.DROPPED_MESSAGES.labels("worker", exc.reason).inc()
            return True
        if not isinstance(message, WorkerMessage):
            metrics.DROPPED_MESSAGES.labels("worker", "client-message").inc()
            return True
        if message.command is WorkerCommand.DISCONNECT:
            log.info("broker asked us to reconnect", extra={"broker": self.endpoint})
            return False
        if message.command is WorkerCommand.REQUEST:
            if self.agent.free <= 0:
                # every slot is busy with another broker's work: hand it back to be re-routed
                metrics.TASKS.labels("declined").inc()
                self._send(WorkerMessage(WorkerCommand.FINAL, client=message.client,
                                         body=[mdp.DECLINED]))
                return True
            self.agent.free -= 1
            task = asyncio.ensure_future(self._serve(message.client, message.body))
            self.agent.running.add(task)
            task.add_done_callback(self.agent.running.discard)
        return True

    async def _serve(self, client: bytes, body: list[bytes]) -> None:
        def partial(reply: list[bytes]) -> None:
            self._send(WorkerMessage(WorkerCommand.PARTIAL, client=client, body=reply))

        try:
            final = await self.agent.handler(body, partial)
        except Exception as exc:  # the handler reports its own errors; this is a last resort
            log.exception("request handler failed")
            final = [codec.pack({"ok": False, "task": "", "error": f"worker error: {exc}"})]
        finally:
            self.agent.free += 1
        self._send(WorkerMessage(WorkerCommand.FINAL, client=client, body=final))

    def _send(self, message: WorkerMessage) -> None:
        if self.sock is None:
            return
        try:
            self.sock.send_multipart(message.frames(), flags=zmq.NOBLOCK)
        except zmq.Again:
            metrics.DROPPED_MESSAGES.labels("worker", "send-would-block").inc()
