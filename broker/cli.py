"""`codemesh broker`: its flags and how it starts. Found by `mesh.cli` through an entry point."""

from __future__ import annotations

import argparse
import asyncio

from broker.scheduler import SchedulerConfig
from broker.server import DEFAULT_MAX_MESSAGE, Broker, BrokerConfig
from mesh import discovery, mdp, sockets
from mesh.roles import Role, add_common_arguments, serve


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--bind", default="tcp://127.0.0.1:5555", metavar="ENDPOINT",
                        help="ZeroMQ endpoint clients and workers connect to; `tcp://HOST:*` "
                             "picks a free port (default: tcp://127.0.0.1:5555)")
    parser.add_argument("--store", default=discovery.AUTO, metavar="ENDPOINT",
                        help="endpoint of the `codemesh store` holding jobs, tasks and results; "
                             "clients learn it from the broker (default: auto, the first store "
                             "of this mesh found by mDNS)")
    parser.add_argument("--heartbeat", type=float, default=mdp.HEARTBEAT_INTERVAL,
                        metavar="SECONDS", help="heartbeat interval (default: 2.5, as in RFC 6)")
    parser.add_argument("--liveness", type=int, default=mdp.HEARTBEAT_LIVENESS, metavar="N",
                        help="heartbeats a worker may miss before it is dropped and its tasks "
                             "requeued (default: 3)")
    parser.add_argument("--max-message", type=int, default=DEFAULT_MAX_MESSAGE, metavar="BYTES",
                        help="larger messages are dropped and counted (default: 8 MiB)")
    parser.add_argument("--max-attempts", type=int, default=4, metavar="N",
                        help="tries of a failing task before its files are reported as errors "
                             "(default: 4)")
    parser.add_argument("--retry-base", type=float, default=0.5, metavar="SECONDS",
                        help="first retry delay; doubles each attempt, with jitter (default: 0.5)")
    parser.add_argument("--request-timeout", type=float, default=60.0, metavar="SECONDS",
                        help="a plain MDP request for a service no worker offers is dropped "
                             "after this long (default: 60)")
    add_common_arguments(parser)


def run(args: argparse.Namespace) -> int:
    config = BrokerConfig(
        bind=args.bind, store=args.store, heartbeat=args.heartbeat, liveness=args.liveness,
        max_message=args.max_message, request_timeout=args.request_timeout,
        scheduler=SchedulerConfig(max_attempts=args.max_attempts, backoff_base=args.retry_base))

    async def main(stop: asyncio.Event) -> None:
        finder = discovery.from_args(args)
        try:
            config.store = await discovery.resolve(config.store, "store", finder)

            def ready(endpoint: str) -> None:
                sockets.announce_ready("broker", endpoint=endpoint, store=config.store)
                if finder is not None:
                    finder.announce_soon("broker", endpoint, {"store": config.store})

            await Broker(config).run(stop, ready)
        finally:
            if finder is not None:
                await finder.close()

    return serve("broker", args, main)


ROLE = Role(name="broker", help="route tasks to workers and schedule jobs (MDP broker)",
            add_arguments=add_arguments, run=run)
