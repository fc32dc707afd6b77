"""The broker process: one ROUTER socket speaking MDP/0.1 and MDP/0.2 to clients and workers.

One dispatch per command, heartbeats in one place (`_tick`). Frames are parsed and built only by
`mesh.mdp`; a message that does not parse, or is over the size limit, is dropped and counted and
never ends the loop. Jobs are the scheduler's business; this module only moves messages.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

import zmq
import zmq.asyncio

from broker.routing import ClientOrigin, Request, Router, TaskOrigin, WorkerEntry
from broker.scheduler import Scheduler, SchedulerConfig
from mesh import __version__, codec, mdp, metrics, sockets
from mesh.mdp import ClientCommand, ClientMessage, WorkerCommand, WorkerMessage
from mesh.models import (
    BrokerInfo,
    BrokerStatus,
    JobProgress,
    SubmitRequest,
    WorkerAdvert,
    WorkerStatus,
)
from mesh.repository import Repository
from mesh.store_client import StoreClient

log = logging.getLogger("codemesh.broker")

DEFAULT_MAX_MESSAGE = 8 * 1024 * 1024
MAX_SLOTS = 1024


@dataclass
class BrokerConfig:
    bind: str = "tcp://127.0.0.1:5555"
    store: str = "tcp://127.0.0.1:5560"
    heartbeat: float = mdp.HEARTBEAT_INTERVAL
    liveness: int = mdp.HEARTBEAT_LIVENESS
    max_message: int = DEFAULT_MAX_MESSAGE
    request_timeout: float = 60.0  # client requests for a service no worker offers expire
    scheduler: SchedulerConfig | None = None


class Broker:
    def __init__(self, config: BrokerConfig) -> None:
        self.config = config
        self.router = Router()
        self.store = StoreClient(config.store)
        self.scheduler = Scheduler(Repository(self.store), config.store, self._enqueue,
                                   self._notify, config.scheduler)
        self.sock: zmq.asyncio.Socket | None = None
        self.endpoint = ""
        self._background: set[asyncio.Task[None]] = set()
        self._last_heartbeat = 0.0
        self._started = time.monotonic()

    # -- life cycle -----------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event, on_ready: object = None) -> None:
        ctx = zmq.asyncio.Context.instance()
        self.sock = sockets.make_socket(ctx, zmq.ROUTER, max_message=self.config.max_message)
        self.endpoint = sockets.bind(self.sock, self.config.bind)
        self.store.connect()
        log.info("broker serving", extra={"endpoint": self.endpoint, "store": self.config.store})
        if callable(on_ready):
            on_ready(self.endpoint)
        ticker = asyncio.ensure_future(self._tick_forever(stop))
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                receiving = asyncio.ensure_future(self.sock.recv_multipart())
                done, _ = await asyncio.wait({receiving, stopping},
                                             return_when=asyncio.FIRST_COMPLETED)
                if receiving not in done:
                    receiving.cancel()
                    break
                try:
                    self._handle(receiving.result())
                except Exception:  # a bug must not take the broker down with every job
                    metrics.DROPPED_MESSAGES.labels("broker", "internal-error").inc()
                    log.exception("error while handling a message")
        finally:
            ticker.cancel()
            stopping.cancel()
            self._say_goodbye()
            await self.store.close()
            self.sock.close(linger=0)

    def _say_goodbye(self) -> None:
        """Tell workers we are going, so they reconnect instead of waiting for heartbeats."""
        for worker in list(self.router.workers.values()):
            self._send_worker(worker, WorkerMessage(WorkerCommand.DISCONNECT))

    def _spawn(self, coro: object) -> None:
        task = asyncio.ensure_future(coro)  # type: ignore[call-overload]
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        task.add_done_callback(_log_failure)

    # -- receiving ------------------------------------------------------------------------------

    def _handle(self, frames: list[bytes]) -> None:
        metrics.MESSAGES.labels("broker").inc()
        if len(frames) < 2:
            metrics.DROPPED_MESSAGES.labels("broker", "truncated").inc()
            return
        identity, payload = frames[0], frames[1:]
        if sockets.message_size(payload) > self.config.max_message:
            metrics.DROPPED_MESSAGES.labels("broker", "oversized").inc()
            log.warning("dropped oversized message", extra={"bytes": sockets.message_size(payload)})
            self._refuse_worker(identity)
            return
        try:
            message = mdp.parse(payload)
        except mdp.ProtocolError as exc:
            metrics.DROPPED_MESSAGES.labels("broker", exc.reason).inc()
            log.debug("dropped malformed message", extra={"reason": str(exc)})
            self._refuse_worker(identity)
            return
        if isinstance(message, ClientMessage):
            if message.command is not ClientCommand.REQUEST:
                metrics.DROPPED_MESSAGES.labels("broker", "unexpected-command").inc()
                return
            self._on_client(identity, message)
        else:
            self._on_worker(identity, message)

    def _refuse_worker(self, identity: bytes) -> None:
        """RFC 18: a peer that sent an invalid message is treated as invalid: a registered
        worker is dropped (its requests go back to the queue) and told to reconnect."""
        worker = self.router.workers.get(identity)
        if worker is not None:
            self._send_worker(worker, WorkerMessage(WorkerCommand.DISCONNECT))
            self._forget(identity)

    # -- clients --------------------------------------------------------------------------------

    def _on_client(self, identity: bytes, message: ClientMessage) -> None:
        origin = ClientOrigin(identity, message.version, message.delimited, message.service)
        if message.service.startswith(mdp.MMI_PREFIX):
            self._reply(origin, self._mmi(message), final=True)
        elif message.service.startswith(mdp.CODEMESH_PREFIX):
            self._builtin(origin, message)
        elif not mdp.capabilities(message.service):
            # `""` or `"+"` names no capability; every worker covers the empty set, so routing
            # it would hand it to a worker that never offered that service. Nobody serves it.
            metrics.DROPPED_MESSAGES.labels("broker", "bad-service").inc()
        else:
            self._enqueue(Request(requires=mdp.capabilities(message.service), body=message.body,
                                  origin=origin, address=identity, queued_at=time.monotonic()),
                          False)

    def _mmi(self, message: ClientMessage) -> list[bytes]:
        """RFC 8: `mmi.service` answers 200 if the named service has a worker, else 404."""
        if message.service != mdp.MMI_SERVICE:
            return [mdp.MMI_NOT_IMPLEMENTED]
        name = message.body[0] if message.body else b""
        if name in mdp.BROKER_SERVICES:
            return [mdp.MMI_FOUND]
        found = bool(mdp.capabilities(name)) and self.router.serves(mdp.capabilities(name))
        return [mdp.MMI_FOUND if found else mdp.MMI_NOT_FOUND]

    def _builtin(self, origin: ClientOrigin, message: ClientMessage) -> None:
        if message.service == mdp.SERVICE_INFO:
            info = BrokerInfo(version=__version__, store=self.config.store,
                              workers=len(self.router.workers),
                              capabilities=sorted(self.router.capabilities()))
            self._reply(origin, [codec.pack(info)], final=True)
        elif message.service == mdp.SERVICE_STATUS:
            self._reply(origin, [codec.pack(self.status())], final=True)
        elif message.service == mdp.SERVICE_SUBMIT and message.body:
            try:
                submit = codec.unpack(message.body[0], SubmitRequest)
            except codec.DecodeError as exc:
                metrics.DROPPED_MESSAGES.labels("broker", "bad-submit").inc()
                self._reply(origin, [codec.pack({"error": str(exc)})], final=True)
                return
            self._spawn(self.scheduler.submit(submit, origin))
        else:
            self._reply(origin, [codec.pack({"error": f"unknown service {message.service!r}"})],
                        final=True)

    def status(self) -> BrokerStatus:
        queues: dict[str, int] = {}
        for request in self.router.queue:
            name = mdp.service_name(request.requires).decode(errors="replace")
            queues[name] = queues.get(name, 0) + 1
        workers = [WorkerStatus(identity=w.identity.hex(), capabilities=sorted(w.capabilities),
                                slots=w.slots, running=len(w.inflight),
                                host=str(w.advert.get("host", "")),
                                pid=int(str(w.advert.get("pid", 0) or 0)),
                                version=str(w.advert.get("version", "")),
                                tools=_str_map(w.advert.get("tools")))
                   for w in self.router.workers.values()]
        return BrokerStatus(version=__version__, store=self.config.store,
                            uptime=time.monotonic() - self._started, workers=workers,
                            queues=queues,
                            jobs=[job.progress() for job in self.scheduler.jobs.values()])

    def _notify(self, origin: ClientOrigin, progress: JobProgress, final: bool) -> None:
        if final or origin.version >= 2:
            self._reply(origin, [codec.pack(progress)], final=final)

    def _reply(self, origin: ClientOrigin, body: list[bytes], *, final: bool) -> None:
        if not final and origin.version < 2:
            return  # MDP/0.1 clients take exactly one reply
        message = ClientMessage(ClientCommand.FINAL if final else ClientCommand.PARTIAL,
                                origin.service, body, origin.version, origin.delimited)
        self._send(origin.identity, message.frames())

    # -- workers --------------------------------------------------------------------------------

    def _on_worker(self, identity: bytes, message: WorkerMessage) -> None:
        worker = self.router.workers.get(identity)
        if message.command is WorkerCommand.READY:
            if worker is not None or message.service.startswith((mdp.MMI_PREFIX,
                                                                 mdp.CODEMESH_PREFIX)):
                # a second READY, or a reserved name: RFC 7/18 say disconnect
                self._send(identity, WorkerMessage(WorkerCommand.DISCONNECT,
                                                   version=message.version,
                                                   delimited=message.delimited).frames())
                self._forget(identity)
                return
            self._register(identity, message)
            self._dispatch()
            return
        if worker is None:
            if message.command is not WorkerCommand.DISCONNECT:
                # a worker we do not know (we restarted, or forgot it): ask it to register again
                self._send(identity, WorkerMessage(WorkerCommand.DISCONNECT,
                                                   version=message.version,
                                                   delimited=message.delimited).frames())
            return
        worker.expiry = self._expiry()
        if message.command is WorkerCommand.HEARTBEAT:
            return
        if message.command is WorkerCommand.DISCONNECT:
            self._forget(identity)
        elif message.command is WorkerCommand.PARTIAL:
            request = self.router.current(identity, message.client)
            if request is not None:
                self._answer(request, message.body, final=False)
        elif message.command is WorkerCommand.FINAL and message.body == [mdp.DECLINED]:
            if self.router.decline(identity, message.client,
                                   time.monotonic() + self.config.heartbeat) is not None:
                metrics.TASKS.labels("declined").inc()
            self._dispatch()
        elif message.command is WorkerCommand.FINAL:
            request = self.router.complete(identity, message.client)
            if request is not None:
                self._answer(request, message.body, final=True)
            self._dispatch()
        else:  # REQUEST from a worker makes no sense
            self._refuse_worker(identity)

    def _register(self, identity: bytes, message: WorkerMessage) -> None:
        advert = WorkerAdvert()
        if message.body:
            try:
                advert = codec.unpack(message.body[0], WorkerAdvert)
            except codec.DecodeError:
                metrics.DROPPED_MESSAGES.labels("broker", "bad-advert").inc()
        worker = WorkerEntry(identity=identity, service=message.service,
                             capabilities=mdp.capabilities(message.service),
                             slots=min(max(advert.slots, 1), MAX_SLOTS),
                             version=message.version, delimited=message.delimited,
                             expiry=self._expiry(), advert=advert.model_dump())
        self.router.register(worker)
        metrics.WORKERS.set(len(self.router.workers))
        log.info("worker registered", extra={"service": message.service.decode(errors="replace"),
                                             "slots": worker.slots, "host": advert.host,
                                             "pid": advert.pid})

    def _answer(self, request: Request, body: list[bytes], *, final: bool) -> None:
        if isinstance(request.origin, TaskOrigin):
            if final:
                self._spawn(self.scheduler.on_final(request.origin, body))
            else:
                self.scheduler.on_partial(request.origin, body)
        else:
            self._reply(request.origin, body, final=final)

    def _forget(self, identity: bytes) -> None:
        lost = self.router.remove(identity)
        metrics.WORKERS.set(len(self.router.workers))
        for request in lost:
            if isinstance(request.origin, TaskOrigin):
                self.scheduler.on_lost(request.origin, request)
            else:
                self.router.enqueue(request, front=True)
        if lost:
            log.warning("worker lost with requests in flight; requeued",
                        extra={"requests": len(lost)})
        self._dispatch()

    # -- sending --------------------------------------------------------------------------------

    def _enqueue(self, request: Request, front: bool) -> None:
        self.router.enqueue(request, front=front)
        self._dispatch()

    def _dispatch(self) -> None:
        for worker, request in self.router.dispatch(time.monotonic()):
            self._send_worker(worker, WorkerMessage(WorkerCommand.REQUEST, client=request.address,
                                                    body=request.body))
        metrics.QUEUED_REQUESTS.set(len(self.router.queue))

    def _send_worker(self, worker: WorkerEntry, message: WorkerMessage) -> None:
        message = WorkerMessage(message.command, message.service, message.client, message.body,
                                worker.version, worker.delimited)
        self._send(worker.identity, message.frames())

    def _send(self, identity: bytes, frames: list[bytes]) -> None:
        assert self.sock is not None
        try:
            self.sock.send_multipart([identity, *frames], flags=zmq.NOBLOCK)
        except zmq.Again:
            metrics.DROPPED_MESSAGES.labels("broker", "send-would-block").inc()

    def _expiry(self) -> float:
        return time.monotonic() + self.config.heartbeat * self.config.liveness

    # -- heartbeats and timers ------------------------------------------------------------------

    async def _tick_forever(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await asyncio.sleep(min(self.config.heartbeat, 1.0))
            try:
                self._tick()
            except Exception:
                log.exception("error in broker timer")

    def _tick(self) -> None:
        now = time.monotonic()
        for worker in self.router.expired(now):
            log.warning("worker expired (no heartbeat)", extra={
                "service": worker.service.decode(errors="replace"),
                "pid": worker.advert.get("pid")})
            self._forget(worker.identity)
        if now - self._last_heartbeat >= self.config.heartbeat:
            self._last_heartbeat = now
            for worker in self.router.workers.values():
                self._send_worker(worker, WorkerMessage(WorkerCommand.HEARTBEAT))
        self._expire_requests(now)
        self.scheduler.tick()
        if self.router.queue:
            self._dispatch()  # workers that declined may take work again

    def _expire_requests(self, now: float) -> None:
        """RFC 18: client requests for a service no worker offers expire after a while."""
        keep = []
        for request in self.router.queue:
            stale = now - request.queued_at > self.config.request_timeout
            if stale and isinstance(request.origin, ClientOrigin) \
                    and not self.router.serves(request.requires):
                metrics.DROPPED_MESSAGES.labels("broker", "request-expired").inc()
                continue
            keep.append(request)
        if len(keep) != len(self.router.queue):
            self.router.queue.clear()
            self.router.queue.extend(keep)


def _str_map(value: object) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("background task failed", exc_info=task.exception())
