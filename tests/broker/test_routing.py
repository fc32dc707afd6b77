"""Unit tests of `broker.routing.Router`: pure bookkeeping, so every rule is checked directly
with exact worker/request pairs."""

from __future__ import annotations

from broker.routing import ClientOrigin, Request, Router, TaskOrigin, WorkerEntry


def worker(name: str, caps: str, slots: int = 1, *, last: float = 0.0,
           expiry: float = 100.0) -> WorkerEntry:
    return WorkerEntry(identity=name.encode(), service=caps.encode(),
                       capabilities=frozenset(caps.split("+")) if caps else frozenset(),
                       slots=slots, version=2, delimited=True, expiry=expiry,
                       last_dispatch=last)


def request(name: str, requires: str = "", queued_at: float = 0.0) -> Request:
    return Request(requires=frozenset(requires.split("+")) if requires else frozenset(),
                   body=[name.encode()], origin=TaskOrigin(job="j", task=name),
                   address=name.encode(), queued_at=queued_at)


def router(*workers: WorkerEntry) -> Router:
    r = Router()
    for w in workers:
        r.register(w)
    return r


def pairs(assigned: list[tuple[WorkerEntry, Request]]) -> list[tuple[str, str]]:
    return [(w.identity.decode(), r.address.decode()) for w, r in assigned]


def queued(r: Router) -> list[str]:
    return [q.address.decode() for q in r.queue]


def test_a_worker_takes_requests_whose_capabilities_are_a_subset_of_its_own() -> None:
    r = router(worker("go", "lang:go+tool:go+race", slots=10))
    for name, requires in [("plain", "lang:go"), ("both", "lang:go+race"), ("none", ""),
                           ("all", "race+tool:go+lang:go"), ("more", "lang:go+race+cgo"),
                           ("other", "lang:python"), ("prefix", "lang:g"), ("sub", "race+x")]:
        r.enqueue(request(name, requires))
    assert pairs(r.dispatch(1.0)) == [("go", "plain"), ("go", "both"), ("go", "none"),
                                      ("go", "all")]
    assert queued(r) == ["more", "other", "prefix", "sub"]
    assert r.serves(frozenset({"lang:go", "race"}))
    assert r.serves(frozenset())
    assert not r.serves(frozenset({"lang:go", "cgo"}))
    assert r.capabilities() == {"lang:go", "tool:go", "race"}


def test_requests_go_only_to_workers_that_cover_them() -> None:
    r = router(worker("py", "lang:python", slots=5), worker("go", "lang:go", slots=5),
               worker("gotool", "lang:go+tool:go", slots=5))
    r.enqueue(request("a", "lang:python"))
    r.enqueue(request("b", "lang:go+tool:go"))
    r.enqueue(request("c", "tool:go"))
    r.enqueue(request("d", "lang:rust"))
    assert pairs(r.dispatch(1.0)) == [("py", "a"), ("gotool", "b"), ("gotool", "c")]
    assert queued(r) == ["d"]
    assert r.capabilities() == {"lang:python", "lang:go", "tool:go"}
    assert not r.serves(frozenset({"lang:rust"}))


def test_slots_are_never_exceeded() -> None:
    a = worker("a", "lang:go", slots=2)
    b = worker("b", "lang:go", slots=3)
    r = router(a, b)
    for i in range(10):
        r.enqueue(request(f"r{i}", "lang:go"))
    assigned = r.dispatch(1.0)
    assert len(assigned) == 5
    assert (len(a.inflight), len(b.inflight)) == (2, 3)
    assert (a.free, b.free) == (0, 0)
    assert queued(r) == [f"r{i}" for i in range(5, 10)]
    # nothing more while every slot is taken
    assert r.dispatch(2.0) == []
    assert queued(r) == [f"r{i}" for i in range(5, 10)]
    # each completion frees exactly one slot, taken by the oldest queued request
    done = next(iter(a.inflight))
    assert r.complete(b"a", done) is not None
    assert pairs(r.dispatch(3.0)) == [("a", "r5")]
    assert (len(a.inflight), len(b.inflight)) == (2, 3)
    assert r.dispatch(4.0) == []


def test_a_worker_with_no_slots_takes_nothing() -> None:
    r = router(worker("zero", "lang:go", slots=0), worker("neg", "lang:go", slots=-1))
    r.enqueue(request("x", "lang:go"))
    assert r.dispatch(1.0) == []
    assert queued(r) == ["x"]


def test_least_loaded_worker_wins() -> None:
    # a: 1 of 4 busy (0.25); b: 1 of 2 busy (0.5); c: 0 of 1 busy (0.0)
    a = worker("a", "lang:go", slots=4)
    b = worker("b", "lang:go", slots=2)
    c = worker("c", "lang:go", slots=1)
    a.inflight[b"old-a"] = request("old-a", "lang:go")
    b.inflight[b"old-b"] = request("old-b", "lang:go")
    r = router(a, b, c)
    for i in range(5):
        r.enqueue(request(f"r{i}", "lang:go"))
    # c (0.0) first, then a (0.25 -> 0.5), then a vs b both at 0.5: a dispatched at `now`,
    # b long idle, so b; then a (0.5) vs b (1.0): a; a (0.75) is the only one with a slot
    assert pairs(r.dispatch(10.0)) == [("c", "r0"), ("a", "r1"), ("b", "r2"), ("a", "r3"),
                                       ("a", "r4")]
    assert (a.free, b.free, c.free) == (0, 0, 0)
    assert a.last_dispatch == b.last_dispatch == c.last_dispatch == 10.0


def test_ties_go_to_the_worker_idle_longest() -> None:
    a = worker("a", "lang:go", last=5.0)
    b = worker("b", "lang:go", last=1.0)
    c = worker("c", "lang:go", last=3.0)
    r = router(a, b, c)
    r.enqueue(request("first", "lang:go"))
    assert pairs(r.dispatch(10.0)) == [("b", "first")]
    assert b.last_dispatch == 10.0
    r.enqueue(request("second", "lang:go"))
    r.enqueue(request("third", "lang:go"))
    assert pairs(r.dispatch(11.0)) == [("c", "second"), ("a", "third")]
    # b finishes first; now b (idle since 10) and, after a finishes, a (since 11): b wins
    r.complete(b"b", b"first")
    r.complete(b"a", b"third")
    r.enqueue(request("fourth", "lang:go"))
    assert pairs(r.dispatch(12.0)) == [("b", "fourth")]


def test_unmatchable_requests_keep_their_place_without_blocking_later_ones() -> None:
    go = worker("go", "lang:go", slots=1)
    r = router(go)
    for name, requires in [("rust1", "lang:rust"), ("go1", "lang:go"), ("py1", "lang:python"),
                           ("go2", "lang:go"), ("rust2", "lang:rust"), ("go3", "lang:go")]:
        r.enqueue(request(name, requires))
    assert pairs(r.dispatch(1.0)) == [("go", "go1")]
    assert queued(r) == ["rust1", "py1", "go2", "rust2", "go3"]
    r.complete(b"go", b"go1")
    assert pairs(r.dispatch(2.0)) == [("go", "go2")]
    assert queued(r) == ["rust1", "py1", "rust2", "go3"]
    r.complete(b"go", b"go2")
    assert pairs(r.dispatch(3.0)) == [("go", "go3")]
    assert queued(r) == ["rust1", "py1", "rust2"]
    # a rust worker arrives: the rust requests go in their original order
    r.register(worker("rust", "lang:rust", slots=2))
    assert pairs(r.dispatch(4.0)) == [("rust", "rust1"), ("rust", "rust2")]
    assert queued(r) == ["py1"]


def test_enqueue_front_and_queue_order() -> None:
    r = router()
    r.enqueue(request("a"))
    r.enqueue(request("b"))
    r.enqueue(request("retry"), front=True)
    assert queued(r) == ["retry", "a", "b"]
    assert r.dispatch(1.0) == []  # no worker at all: nothing moves, nothing is lost
    assert queued(r) == ["retry", "a", "b"]
    r.register(worker("w", "", slots=2))
    assert pairs(r.dispatch(2.0)) == [("w", "retry"), ("w", "a")]
    assert queued(r) == ["b"]


def test_a_request_is_not_sent_twice_to_a_worker_that_holds_its_address() -> None:
    a = worker("a", "lang:go", slots=2)
    b = worker("b", "lang:go", slots=2, last=5.0)
    r = router(a, b)
    a.inflight[b"same"] = request("same", "lang:go")
    b.inflight[b"x"] = request("x")
    b.inflight[b"y"] = request("y")
    # a has a free slot but already holds this address; b is full: nobody takes it
    r.enqueue(request("same", "lang:go"))
    assert r.dispatch(1.0) == []
    assert queued(r) == ["same"]
    r.complete(b"b", b"x")
    assert pairs(r.dispatch(2.0)) == [("b", "same")]


def test_remove_returns_in_flight_requests() -> None:
    a = worker("a", "lang:go", slots=3)
    b = worker("b", "lang:go", slots=3)
    r = router(a, b)
    for i in range(4):
        r.enqueue(request(f"r{i}", "lang:go"))
    assigned = pairs(r.dispatch(1.0))
    assert assigned == [("a", "r0"), ("b", "r1"), ("a", "r2"), ("b", "r3")]
    lost = r.remove(b"a")
    assert [q.address for q in lost] == [b"r0", b"r2"]
    assert set(r.workers) == {b"b"}
    assert r.remove(b"a") == []
    assert r.remove(b"never") == []
    assert r.complete(b"a", b"r0") is None
    assert r.current(b"a", b"r2") is None
    # requeued at the front, they go to the surviving worker first
    for q in reversed(lost):
        r.enqueue(q, front=True)
    r.enqueue(request("r4", "lang:go"))
    assert pairs(r.dispatch(2.0)) == [("b", "r0")]
    assert queued(r) == ["r2", "r4"]
    assert not r.serves(frozenset({"lang:python"}))
    r.remove(b"b")
    assert r.capabilities() == set()
    assert not r.serves(frozenset())


def test_complete_and_current() -> None:
    w = worker("w", "lang:go", slots=2)
    r = router(w)
    first = request("first", "lang:go")
    second = request("second", "lang:go")
    first.origin = ClientOrigin(identity=b"client", version=2, delimited=True,
                                service=b"lang:go")
    r.enqueue(first)
    r.enqueue(second)
    r.dispatch(1.0)
    # current (PARTIAL) leaves the slot taken; complete (FINAL) frees it, once
    assert r.current(b"w", b"first") is first
    assert r.current(b"w", b"first") is first
    assert w.free == 0
    assert r.complete(b"w", b"first") is first
    assert w.free == 1
    assert r.complete(b"w", b"first") is None
    assert r.current(b"w", b"first") is None
    assert r.current(b"w", b"second") is second
    assert r.complete(b"w", b"unknown") is None
    assert r.complete(b"nobody", b"second") is None
    assert r.current(b"nobody", b"second") is None
    assert list(w.inflight) == [b"second"]
    assert w.load == 0.5


def test_expired_workers() -> None:
    r = router(worker("a", "x", expiry=10.0), worker("b", "x", expiry=20.0),
               worker("c", "x", expiry=15.0))
    assert r.expired(5.0) == []
    assert r.expired(10.0) == []  # expiry is the last moment still alive
    assert [w.identity for w in r.expired(10.5)] == [b"a"]
    assert [w.identity for w in r.expired(15.5)] == [b"a", b"c"]
    assert [w.identity for w in r.expired(100.0)] == [b"a", b"b", b"c"]
    r.workers[b"a"].expiry = 50.0  # a heartbeat extends the expiry
    assert [w.identity for w in r.expired(30.0)] == [b"b", b"c"]
