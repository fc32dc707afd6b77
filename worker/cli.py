"""`codemesh worker`: its flags and how it starts. Found by `mesh.cli` through an entry point."""

from __future__ import annotations

import argparse
import asyncio

from mesh import discovery, mdp, sockets
from mesh.models import LANGUAGES
from mesh.roles import Role, add_common_arguments, serve
from worker.agent import AgentConfig, WorkerAgent
from worker.analyzers.registry import analyzers
from worker.executor import DEFAULT_FILE_TIMEOUT, AnalysisPool
from worker.tasks import TaskRunner


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--broker", default=discovery.AUTO, metavar="ENDPOINT",
                        help="broker to take tasks from (default: auto, a broker of this mesh "
                             "found by mDNS)")
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
        finder = discovery.from_args(args) if args.broker == discovery.AUTO else None
        if args.broker == discovery.AUTO and finder is None:
            raise discovery.DiscoveryError("--broker auto needs mDNS: drop --no-mdns or give "
                                           "the broker's endpoint")
        pick = None
        if finder is not None:
            await finder.browse("broker")

            async def pick() -> str:
                assert finder is not None
                return (await finder.wait_for("broker")).endpoint

        pool = AnalysisPool(args.slots, args.file_timeout)
        runner = TaskRunner(pool, args.store)
        agent = WorkerAgent(AgentConfig(broker=args.broker, capabilities=capabilities,
                                        slots=args.slots, heartbeat=args.heartbeat,
                                        liveness=args.liveness,
                                        tools=tools), runner, pick)
        sockets.announce_ready("worker", broker=args.broker)
        try:
            await agent.run(stop)
        finally:
            await runner.close()
            pool.close()
            if finder is not None:
                await finder.close()

    return serve("worker", args, main)


ROLE = Role(name="worker", help="analyze files for the brokers it connects to",
            add_arguments=add_arguments, run=run)
