"""The worker's MDP side: one DEALER to the broker, READY with capabilities, heartbeats both ways,
reconnection with exponential backoff when the broker goes silent (Paranoid Pirate, RFC 6), and
one asyncio task per request so analysis never holds up heartbeats.

It never builds a frame by hand (`mesh.mdp` does) and never analyzes code itself (`worker.tasks`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import zmq
import zmq.asyncio

from mesh import __version__, codec, mdp, metrics, sockets
from mesh.mdp import WorkerCommand, WorkerMessage
from mesh.models import WorkerAdvert

log = logging.getLogger("codemesh.worker")

DEFAULT_MAX_MESSAGE = 8 * 1024 * 1024

# A request handler gets the request body and a way to send PARTIALs; it returns the FINAL body.
Handler = Callable[[list[bytes], Callable[[list[bytes]], None]], Awaitable[list[bytes]]]


@dataclass
class AgentConfig:
    broker: str
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
                 pick_broker: Callable[[], Awaitable[str]] | None = None) -> None:
        """`pick_broker`, when given, names the broker before each connection (found by mDNS),
        so a worker whose broker went away moves to one that is there."""
        self.config = config
        self.handler = handler
        self.pick_broker = pick_broker
        self.endpoint = config.broker
        self.sock: zmq.asyncio.Socket | None = None
        self.running: set[asyncio.Task[None]] = set()

    def _advert(self) -> bytes:
        return codec.pack(WorkerAdvert(slots=self.config.slots, host=socket.gethostname(),
                                       pid=os.getpid(), version=__version__,
                                       tools=self.config.tools or {}))

    async def run(self, stop: asyncio.Event) -> None:
        backoff = self.config.reconnect_initial
        try:
            while not stop.is_set():
                if self.pick_broker is not None and not await self._pick(stop):
                    break
                heard = await self._session(stop)
                if stop.is_set():
                    break
                backoff = self.config.reconnect_initial if heard else \
                    min(backoff * 2, self.config.reconnect_max)
                log.warning("broker unreachable; reconnecting",
                            extra={"broker": self.endpoint, "delay": backoff})
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), backoff)
        finally:
            for task in self.running:
                task.cancel()
            if self.sock is not None:
                self._send(WorkerMessage(WorkerCommand.DISCONNECT))
                self.sock.close(linger=100)

    async def _pick(self, stop: asyncio.Event) -> bool:
        """Ask `pick_broker` for an endpoint; False if `stop` came first."""
        assert self.pick_broker is not None
        picking = asyncio.ensure_future(self.pick_broker())
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({picking, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not picking.done():
            picking.cancel()
            return False
        self.endpoint = picking.result()
        return True

    async def _session(self, stop: asyncio.Event) -> bool:
        """One connection to the broker, until it goes silent or says DISCONNECT.
        Returns whether the broker was heard at all (to reset the reconnect backoff)."""
        if self.sock is not None:
            self.sock.close(linger=0)
        ctx = zmq.asyncio.Context.instance()
        self.sock = sockets.make_socket(ctx, zmq.DEALER, max_message=self.config.max_message)
        self.sock.connect(self.endpoint)
        service = mdp.service_name(self.config.capabilities)
        self._send(WorkerMessage(WorkerCommand.READY, service=service, body=[self._advert()]))
        log.info("worker ready", extra={"broker": self.endpoint,
                                        "service": service.decode(), "slots": self.config.slots})
        liveness = self.config.liveness
        heard = False
        next_heartbeat = time.monotonic() + self.config.heartbeat
        while not stop.is_set():
            timeout = max(next_heartbeat - time.monotonic(), 0.0)
            events = await self.sock.poll(timeout * 1000)
            if events:
                frames = await self.sock.recv_multipart()
                liveness = self.config.liveness
                heard = True
                if not self._on_message(frames):
                    return heard
            if time.monotonic() >= next_heartbeat:
                if not events:
                    liveness -= 1
                    if liveness <= 0:
                        return heard
                self._send(WorkerMessage(WorkerCommand.HEARTBEAT))
                next_heartbeat = time.monotonic() + self.config.heartbeat
        return heard

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
            log.info("broker asked us to reconnect")
            return False
        if message.command is WorkerCommand.REQUEST:
            task = asyncio.ensure_future(self._serve(message.client, message.body))
            self.running.add(task)
            task.add_done_callback(self.running.discard)
        return True

    async def _serve(self, client: bytes, body: list[bytes]) -> None:
        def partial(reply: list[bytes]) -> None:
            self._send(WorkerMessage(WorkerCommand.PARTIAL, client=client, body=reply))

        try:
            final = await self.handler(body, partial)
        except Exception as exc:  # the handler reports its own errors; this is a last resort
            log.exception("request handler failed")
            final = [codec.pack({"ok": False, "task": "", "error": f"worker error: {exc}"})]
        self._send(WorkerMessage(WorkerCommand.FINAL, client=client, body=final))

    def _send(self, message: WorkerMessage) -> None:
        if self.sock is None:
            return
        try:
            self.sock.send_multipart(message.frames(), flags=zmq.NOBLOCK)
        except zmq.Again:
            metrics.DROPPED_MESSAGES.labels("worker", "send-would-block").inc()
