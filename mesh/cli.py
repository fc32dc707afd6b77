"""The `codemesh` command: `analyze` and `store` live in `mesh`; other roles (broker, worker)
come from the `codemesh.roles` entry points, so this module never imports them."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points

from mesh import __version__, analyze, security, status, store_role
from mesh.roles import Role


def _roles() -> list[Role]:
    roles = [store_role.ROLE]
    for entry in sorted(entry_points(group="codemesh.roles"), key=lambda e: e.name):
        role = entry.load()
        if isinstance(role, Role):
            roles.append(role)
    return roles


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="codemesh",
        description="Distributed code analysis over a ZeroMQ worker mesh. "
                    "`codemesh analyze PATH` runs a whole mesh on this machine for one job.")
    top.add_argument("--version", action="version", version=f"codemesh {__version__}")
    commands = top.add_subparsers(dest="command", metavar="COMMAND", required=True)
    sub = commands.add_parser("analyze", help="analyze a codebase and print a report",
                              description="Analyze every source file under PATH. With no "
                              "--broker, an embedded store, broker and workers run on loopback "
                              "for this job only.")
    analyze.add_arguments(sub)
    sub.set_defaults(run=analyze.run)
    sub = commands.add_parser("status", help="show the mesh: brokers, stores, workers, queues, "
                              "jobs", description="Find the brokers and stores of a mesh (by "
                              "mDNS, or --broker) and show their workers, queues and jobs.")
    status.add_arguments(sub)
    sub.set_defaults(run=status.run)
    sub = commands.add_parser("keys", help="manage the mesh's CURVE keys (--secure)",
                              description="Create, admit, remove and list the public keys a "
                              "secure mesh admits (see docs/operations.md, Security).")
    security.add_keys_arguments(sub)
    sub.set_defaults(run=security.run_keys)
    for role in _roles():
        sub = commands.add_parser(role.name, help=role.help, description=role.help)
        role.add_arguments(sub)
        sub.set_defaults(run=role.run)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.run(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
