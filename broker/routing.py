"""Which request goes to which worker: capability matching, slots and the waiting queue.

Pure bookkeeping with no sockets and no clock of its own (callers pass `now`), so every rule here
is testable directly. A worker can take a request when its capabilities include every capability
the request requires and it has a free slot (credit-based flow control); among those, the least
loaded one wins, ties going to the one idle longest.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ClientOrigin:
    """A request from an MDP client: where and how to send its replies."""

    identity: bytes
    version: int
    delimited: bool
    service: bytes


@dataclass(frozen=True)
class TaskOrigin:
    """A request the scheduler made for one of its tasks."""

    job: str
    task: str


@dataclass
class Request:
    requires: frozenset[str]
    body: list[bytes]
    origin: ClientOrigin | TaskOrigin
    address: bytes  # the client-address frame the worker echoes back; unique per worker
    queued_at: float


@dataclass
class WorkerEntry:
    identity: bytes
    service: bytes
    capabilities: frozenset[str]
    slots: int
    version: int
    delimited: bool
    expiry: float
    last_dispatch: float = 0.0
    paused_until: float = 0.0  # it declined a request (slots busy elsewhere): skip it till then
    inflight: dict[bytes, Request] = field(default_factory=dict)
    advert: dict[str, object] = field(default_factory=dict)

    @property
    def free(self) -> int:
        return self.slots - len(self.inflight)

    @property
    def load(self) -> float:
        return len(self.inflight) / self.slots

    def covers(self, requires: frozenset[str]) -> bool:
        return requires <= self.capabilities


class Router:
    def __init__(self) -> None:
        self.workers: dict[bytes, WorkerEntry] = {}
        self.queue: deque[Request] = deque()

    def register(self, worker: WorkerEntry) -> None:
        self.workers[worker.identity] = worker

    def remove(self, identity: bytes) -> list[Request]:
        """Forget a worker; returns its in-flight requests so they can be queued again."""
        worker = self.workers.pop(identity, None)
        return list(worker.inflight.values()) if worker else []

    def enqueue(self, request: Request, *, front: bool = False) -> None:
        if front:
            self.queue.appendleft(request)
        else:
            self.queue.append(request)

    def serves(self, requires: frozenset[str]) -> bool:
        """Whether any registered worker could ever take a request needing `requires`."""
        return any(w.covers(requires) for w in self.workers.values())

    def capabilities(self) -> set[str]:
        caps: set[str] = set()
        for worker in self.workers.values():
            caps |= worker.capabilities
        return caps

    def dispatch(self, now: float) -> list[tuple[WorkerEntry, Request]]:
        """Assign as many queued requests as free slots allow, in queue order."""
        assigned: list[tuple[WorkerEntry, Request]] = []
        free = sum(max(w.free, 0) for w in self.workers.values())
        if not free or not self.queue:
            return assigned
        waiting: deque[Request] = deque()
        while self.queue and free:
            request = self.queue.popleft()
            worker = self._best(request, now)
            if worker is None:
                waiting.append(request)
                continue
            worker.inflight[request.address] = request
            worker.last_dispatch = now
            free -= 1
            assigned.append((worker, request))
        waiting.extend(self.queue)
        self.queue = waiting
        return assigned

    def _best(self, request: Request, now: float) -> WorkerEntry | None:
        best: WorkerEntry | None = None
        for worker in self.workers.values():
            if worker.free <= 0 or not worker.covers(request.requires):
                continue
            if worker.paused_until > now:
                continue
            if request.address in worker.inflight:
                continue
            rank = (worker.load, worker.last_dispatch)
            if best is None or rank < (best.load, best.last_dispatch):
                best = worker
        return best

    def complete(self, identity: bytes, address: bytes) -> Request | None:
        """The request a worker's FINAL answers, freeing its slot; None if unknown."""
        worker = self.workers.get(identity)
        return worker.inflight.pop(address, None) if worker else None

    def decline(self, identity: bytes, address: bytes, until: float) -> Request | None:
        """A worker handed a request back unserved: it goes to the front of the queue, and the
        worker gets no more until `until` (its slots are busy with other brokers' work)."""
        request = self.complete(identity, address)
        worker = self.workers.get(identity)
        if worker is not None:
            worker.paused_until = until
        if request is not None:
            self.enqueue(request, front=True)
        return request

    def current(self, identity: bytes, address: bytes) -> Request | None:
        """The request a worker's PARTIAL belongs to, if it is still in flight there."""
        worker = self.workers.get(identity)
        return worker.inflight.get(address) if worker else None

    def expired(self, now: float) -> list[WorkerEntry]:
        return [w for w in self.workers.values() if w.expiry < now]
