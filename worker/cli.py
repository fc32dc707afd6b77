"""`codemesh worker`: its flags and how it starts. Found by `mesh.cli` through an entry point."""

from __future__ import annotations

import argparse
import asyncio

from mesh import discovery, mdp, sockets
from mesh.models import LANGUAGES
from mesh.roles import Role, add_common_arguments, serve
from worker.agent import AgentConfig, BrokerSource, FixedBrokers, WorkerAgent
from worker.analyzers.registry import analyzers
from worker.executor import DEFAULT_FILE_TIMEOUT, AnalysisPool
from worker.tasks import TaskRunner


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--broker", action="append", default=[], metavar="ENDPOINT",
                        help="a broker to take tasks from (repeatable: one connection each, "
                             "slots shared among them; default: auto, every broker of this "
                             "mesh found by mDNS)")
    parser.add_argument("--store", default=None, metavar="ENDPOINT",
                        help="store to read blobs from and write results to (default: the store "
                             "named in each task by the broker)")
    parser.add_argument("--slots", type=int, default=1, metavar="N",
                        help="tasks run at once, each in its own analysis process (default: 1)")
    parser.add_argument("--heartbeat", type=float, default=mdp.HEARTBEAT_INTERVAL,
                        metavar="SECONDS", help="heartbeat interval (default: 2.5, as in RFC 6)")
    parser.add_argument("--liveness", type=int, default=mdp.HEARTBEAT_LIVENESS, metavar="N",
                        help="broker heartbeats missed before reconnecting (default: 3)")
    parser.add_argument("--file-timeout", type=float, default=DEFAULT_FILE_TIMEOUT,
                        metavar="SECONDS", help="time budget per file; a file over it is "
                        "reported as an error and its analysis process replaced (default: 60)")
    add_common_arguments(parser)


def run(args: argparse.Namespace) -> int:
    if args.slots < 1:
        raise SystemExit("codemesh worker: --slots must be at least 1")
    loaded = analyzers()
    capabilities = frozenset(f"lang:{language}" for language in LANGUAGES if language in loaded)
    tools = {f"analyzer:{language}": analyzer.id for language, analyzer in loaded.items()}

    async def main(stop: asyncio.Event) -> None:
        endpoints = list(args.broker) or [discovery.AUTO]
        auto = discovery.AUTO in endpoints
        if auto and len(endpoints) > 1:
            raise discovery.DiscoveryError("--broker auto cannot be mixed with endpoints")
        finder = discovery.from_args(args) if auto else None
        if auto and finder is None:
            raise discovery.DiscoveryError("--broker auto needs mDNS: drop --no-mdns or give "
                                           "the broker's endpoint")
        brokers: BrokerSource = FixedBrokers(endpoints)
        if finder is not None:
            await finder.browse("broker")
            brokers = DiscoveredBrokers(finder)
        pool = AnalysisPool(args.slots, args.file_timeout)
        runner = TaskRunner(pool, args.store)
        agent = WorkerAgent(AgentConfig(broker=endpoints[0], capabilities=capabilities,
                                        slots=args.slots, heartbeat=args.heartbeat,
                                        liveness=args.liveness,
                                        tools=tools), runner, brokers)
        sockets.announce_ready("worker", broker=",".join(endpoints))
        try:
            await agent.run(stop)
        finally:
            await runner.close()
            pool.close()
            if finder is not None:
                await finder.close()

    return serve("worker", args, main)


class DiscoveredBrokers:
    """Every broker of this mesh that mDNS lists now."""

    def __init__(self, finder: discovery.Discovery) -> None:
        self.finder = finder

    def endpoints(self) -> list[str]:
        return [peer.endpoint for peer in self.finder.peers("broker")]

    async def changed(self) -> None:
        await self.finder.changed()


ROLE = Role(name="worker", help="analyze files for the brokers it connects to",
            add_arguments=add_arguments, run=run)
