"""`codemesh status`: what the mesh looks like now — brokers, stores, workers, queues, jobs.

Brokers and stores come from mDNS (or `--broker`/`--store` endpoints); each broker is asked over
MDP (`codemesh.status`, beside MMI) for its workers, queue depths per capability set and running
jobs. A broker that does not answer is listed as unreachable, never a traceback. Exit code 1
when no broker answered, so scripts can tell an empty mesh from a healthy one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from pydantic import Field
from rich.console import Console
from rich.table import Table

from mesh import codec, discovery, mdp, security
from mesh.mdp_client import BrokerUnavailable, MdpClient
from mesh.models import BrokerStatus, Model


class BrokerEntry(Model):
    endpoint: str
    reachable: bool
    error: str | None = None
    status: BrokerStatus | None = None


class StoreEntry(Model):
    endpoint: str
    version: str = ""
    kind: str = ""  # primary or replica, as the store announces it


class MeshStatus(Model):
    mesh: str
    brokers: list[BrokerEntry] = Field(default_factory=list)
    stores: list[StoreEntry] = Field(default_factory=list)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--broker", action="append", default=[], metavar="ENDPOINT",
                        help="ask this broker (repeatable; default: every broker of --mesh "
                             "found by mDNS)")
    parser.add_argument("--wait", type=float, default=2.0, metavar="SECONDS",
                        help="how long to listen for mDNS announcements (default: 2)")
    parser.add_argument("--timeout", type=float, default=3.0, metavar="SECONDS",
                        help="how long a broker may take to answer (default: 3)")
    parser.add_argument("--format", choices=("table", "json"), default="table",
                        help="human tables or one JSON document (default: table)")
    discovery.add_arguments(parser)
    security.add_arguments(parser)


def run(args: argparse.Namespace) -> int:
    try:
        security.configure(args)
        status = asyncio.run(collect(args))
    except (discovery.DiscoveryError, security.KeysError) as exc:
        print(f"codemesh status: {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        sys.stdout.write(json.dumps(status.model_dump(mode="json"), indent=2) + "\n")
    else:
        render(status, Console())
    return 0 if any(b.reachable for b in status.brokers) else 1


async def collect(args: argparse.Namespace) -> MeshStatus:
    status = MeshStatus(mesh=args.mesh)
    brokers = list(args.broker)
    finder = discovery.from_args(args)
    if finder is not None:
        try:
            await finder.browse("broker", "store")
            await asyncio.sleep(args.wait)
            if not brokers:
                brokers = [peer.endpoint for peer in finder.peers("broker")]
            status.stores = [StoreEntry(endpoint=p.endpoint, version=p.version,
                                        kind=p.data.get("kind", ""))
                             for p in finder.peers("store")]
        finally:
            await finder.close()
    status.brokers = list(await asyncio.gather(*(ask(b, args.timeout) for b in brokers)))
    known = {store.endpoint for store in status.stores}
    for broker in status.brokers:  # stores named by brokers, when mDNS did not list them
        if broker.status is not None and broker.status.store not in known:
            known.add(broker.status.store)
            status.stores.append(StoreEntry(endpoint=broker.status.store))
    return status


async def ask(endpoint: str, timeout: float) -> BrokerEntry:
    client = MdpClient(endpoint, timeout=timeout)
    try:
        body = await client.request(mdp.SERVICE_STATUS, [])
        return BrokerEntry(endpoint=endpoint, reachable=True,
                           status=codec.unpack(body[0], BrokerStatus))
    except BrokerUnavailable:
        return BrokerEntry(endpoint=endpoint, reachable=False,
                           error=f"no answer in {timeout:g}s")
    except (codec.DecodeError, IndexError):
        return BrokerEntry(endpoint=endpoint, reachable=False,
                           error="answered, but not with a codemesh status (older version?)")
    finally:
        client.close()


def render(status: MeshStatus, console: Console) -> None:
    def table(title: str, *columns: str) -> Table:
        made = Table(title=title, title_justify="left")
        for column in columns:
            made.add_column(column)
        return made

    brokers = table(f"brokers of mesh {status.mesh!r}", "endpoint", "version", "store",
                    "workers", "slots", "running", "queued", "jobs")
    workers = table("workers", "broker", "host", "pid", "version", "slots", "running",
                    "capabilities")
    queues = table("queued requests", "broker", "capabilities", "requests")
    jobs = table("jobs running", "broker", "job", "state", "files", "tasks", "failed")
    for entry in status.brokers:
        info = entry.status
        if info is None:
            brokers.add_row(entry.endpoint, "-", "-", "-", "-", "-", "-",
                            f"unreachable: {entry.error}")
            continue
        brokers.add_row(entry.endpoint, info.version, info.store, str(len(info.workers)),
                        str(sum(w.slots for w in info.workers)),
                        str(sum(w.running for w in info.workers)),
                        str(sum(info.queues.values())), str(len(info.jobs)))
        for w in info.workers:
            workers.add_row(entry.endpoint, w.host, str(w.pid), w.version, str(w.slots),
                            str(w.running), " ".join(w.capabilities))
        for service, depth in sorted(info.queues.items()):
            queues.add_row(entry.endpoint, service, str(depth))
        for job in info.jobs:
            jobs.add_row(entry.endpoint, job.job, job.state,
                         f"{job.files_done}/{job.files_total}",
                         f"{job.tasks_done}/{job.tasks_total}", str(job.tasks_failed))
    stores = table("stores", "endpoint", "kind", "version")
    for store in status.stores:
        stores.add_row(store.endpoint, store.kind or "-", store.version or "-")
    if not status.brokers:
        console.print(f"no broker of mesh {status.mesh!r} found", highlight=False)
    for made in (brokers, stores, workers, queues, jobs):
        if made.row_count:
            console.print(made)
