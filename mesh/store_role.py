"""`codemesh store`: flags and start-up of the store process (the server is `mesh.store_server`)."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from mesh import discovery, paths, sockets
from mesh.roles import Role, add_common_arguments, serve
from mesh.store_server import DEFAULT_MAX_MESSAGE, Store, StoreServer


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--bind", default="tcp://127.0.0.1:5560", metavar="ENDPOINT",
                        help="ZeroMQ endpoint clients, brokers and workers connect to; "
                             "`tcp://HOST:*` picks a free port (default: tcp://127.0.0.1:5560)")
    parser.add_argument("--path", type=Path, default=paths.default_store_dir(), metavar="DIR",
                        help="the LMDB environment directory (created if missing; readable by "
                             f"mdb_stat) (default: {paths.default_store_dir()})")
    parser.add_argument("--max-message", type=int, default=DEFAULT_MAX_MESSAGE, metavar="BYTES",
                        help="larger requests are refused (default: 256 MiB)")
    add_common_arguments(parser)


def run(args: argparse.Namespace) -> int:
    async def main(stop: asyncio.Event) -> None:
        finder = discovery.from_args(args)
        store = Store(args.path)

        def ready(endpoint: str) -> None:
            sockets.announce_ready("store", endpoint=endpoint)
            if finder is not None:
                finder.announce_soon("store", endpoint, {"kind": "primary"})

        try:
            await StoreServer(store, args.bind, args.max_message).run(stop, ready)
        finally:
            store.close()
            if finder is not None:
                await finder.close()

    return serve("store", args, main)


ROLE = Role(name="store", help="keep blobs, jobs, tasks and results in LMDB",
            add_arguments=add_arguments, run=run)
