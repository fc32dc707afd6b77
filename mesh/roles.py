"""How a long-running role (store, broker, worker) is declared and started.

`mesh.cli` finds roles through the `codemesh.roles` entry points, so `mesh` never imports the
`broker` or `worker` packages. `serve` gives every role the same life cycle: JSON logs, metrics,
stop on SIGTERM/SIGINT, and death with its parent when an embedded mesh started it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from mesh import discovery, logs, metrics, process, security

EMBEDDED_PARENT_ENV = "CODEMESH_EMBEDDED_PARENT"


@dataclass(frozen=True)
class Role:
    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--log-level", default="info",
                        choices=["debug", "info", "warning", "error"],
                        help="least severe log level written to stderr (default: info)")
    parser.add_argument("--metrics-port", type=int, default=0, metavar="PORT",
                        help="serve Prometheus metrics on 127.0.0.1:PORT (default: off)")
    discovery.add_arguments(parser)
    security.add_arguments(parser)


def serve(role: str, args: argparse.Namespace,
          main: Callable[[asyncio.Event], Awaitable[None]]) -> int:
    """Run `main(stop)` until it returns or SIGTERM/SIGINT sets `stop`."""
    logs.setup(role, args.log_level)
    metrics.serve(args.metrics_port)
    parent = os.environ.get(EMBEDDED_PARENT_ENV)

    async def run() -> None:
        gatekeeper = security.start_gatekeeper(role)
        stop = asyncio.Event()
        process.install_stop_handlers(stop)
        watchers = []
        if parent and parent.isdigit():
            process.die_with_parent()
            watchers.append(asyncio.ensure_future(process.watch_parent(int(parent), stop)))
        try:
            await main(stop)
        finally:
            for watcher in watchers:
                watcher.cancel()
            if gatekeeper is not None:
                gatekeeper.stop()

    try:
        security.configure(args)
        asyncio.run(run())
    except (discovery.DiscoveryError, security.KeysError) as exc:
        print(f"codemesh {role}: {exc}", file=sys.stderr)
        return 2
    return 0
