"""CURVE security for every ZeroMQ socket (`--secure`), and the mesh's keys folder.

The keys folder (`--keys DIR`, default `~/.config/codemesh/keys/MESH`) holds:
- `server.key` / `server.key_secret`: the mesh's server key pair. Every member has the public
  half (clients connect with it as CURVE server key); only hosts that run brokers or stores need
  the secret half. One pair per mesh means no endpoint ever has to carry a key.
- `id.key` / `id.key_secret`: this host's own key pair, with which its sockets connect.
- `authorized/NAME.key`: the public keys admitted. Servers run a ZAP handler (pyzmq's asyncio
  authenticator) that admits only these; an unknown key is refused, logged and counted in
  `codemesh_auth_refused_total`. The folder is read again on a refusal, so `codemesh keys add`
  takes effect without a restart.

`configure` is called once per process; `sockets.make_socket` then applies CURVE to every socket
by its kind (ROUTER/PUB serve, DEALER/SUB/REQ connect). This module never sends a message.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import zmq
import zmq.asyncio
from zmq.auth.asyncio import AsyncioAuthenticator
from zmq.auth.certs import create_certificates, load_certificate

from mesh import metrics

log = logging.getLogger("codemesh.security")

SERVER = "server"
IDENTITY = "id"
AUTHORIZED = "authorized"
SERVING_KINDS = (zmq.ROUTER, zmq.PUB, zmq.XPUB, zmq.REP)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class KeysError(RuntimeError):
    """The keys folder cannot be used as asked; the message says what to do."""


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "codemesh"


def default_keys_dir(mesh: str) -> Path:
    return config_dir() / "keys" / mesh


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--secure", action="store_true",
                        help="CURVE on every socket; only keys in the keys folder are admitted")
    parser.add_argument("--keys", type=Path, default=None, metavar="DIR",
                        help="the mesh's keys folder (default: ~/.config/codemesh/keys/MESH)")


@dataclass(frozen=True)
class Keys:
    folder: Path
    public: bytes
    secret: bytes
    server_public: bytes
    server_secret: bytes | None

    @property
    def authorized(self) -> Path:
        return self.folder / AUTHORIZED


def load(folder: Path) -> Keys:
    """The keys a secure process needs, or KeysError naming what is missing."""
    identity = folder / f"{IDENTITY}.key_secret"
    server = folder / f"{SERVER}.key"
    if not identity.is_file() or not server.is_file():
        raise KeysError(f"no keys in {folder}: run `codemesh keys init --keys {folder}` (and "
                        f"copy the mesh's {SERVER}.key there first, on all but the first host)")
    public, secret = load_certificate(identity)
    server_public, _ = load_certificate(server)
    server_secret = None
    if (folder / f"{SERVER}.key_secret").is_file():
        _, server_secret = load_certificate(folder / f"{SERVER}.key_secret")
    if secret is None:
        raise KeysError(f"{identity} holds no secret key")
    return Keys(folder, public, secret, server_public, server_secret)


_active: Keys | None = None


def configure(args: argparse.Namespace) -> Keys | None:
    """Turn CURVE on for this process when `--secure` is given."""
    global _active
    if not getattr(args, "secure", False):
        _active = None
        return None
    folder = args.keys or default_keys_dir(args.mesh)
    _active = load(folder)
    return _active


def active() -> Keys | None:
    return _active


def apply(sock: zmq.Socket, kind: int) -> None:  # type: ignore[type-arg]
    """CURVE options for a new socket, as server or client by its kind; nothing when off."""
    keys = _active
    if keys is None:
        return
    if kind in SERVING_KINDS:
        if keys.server_secret is None:
            raise KeysError(f"serving with --secure needs {keys.folder / 'server.key_secret'}: "
                            f"copy it from the host where `codemesh keys init` created it")
        sock.curve_secretkey = keys.server_secret
        sock.curve_publickey = keys.server_public
        sock.curve_server = True
    else:
        sock.curve_secretkey = keys.secret
        sock.curve_publickey = keys.public
        sock.curve_serverkey = keys.server_public


class Gatekeeper(AsyncioAuthenticator):
    """The ZAP handler: admits the keys in `authorized/`, logs and counts every refusal."""

    def __init__(self, context: zmq.asyncio.Context, keys: Keys, role: str) -> None:
        super().__init__(context)
        self.keys = keys
        self.role = role

    def start(self) -> None:
        super().start()
        self.configure_curve(domain="*", location=str(self.keys.authorized))

    async def _authenticate_curve(self, domain: str, client_key: bytes) -> tuple[bool, bytes]:
        allowed, reason = await super()._authenticate_curve(domain, client_key)
        if not allowed:  # perhaps added since: read the folder again once
            self.configure_curve(domain="*", location=str(self.keys.authorized))
            allowed, reason = await super()._authenticate_curve(domain, client_key)
        if not allowed:
            metrics.AUTH_REFUSED.labels(self.role).inc()
            log.warning("refused a connection with an unknown key",
                        extra={"key": zmq.utils.z85.encode(client_key).decode()})
        return allowed, reason


def start_gatekeeper(role: str) -> Gatekeeper | None:
    """Start the ZAP handler on the shared context when CURVE is on (call inside the loop)."""
    if _active is None:
        return None
    gate = Gatekeeper(zmq.asyncio.Context.instance(), _active, role)
    gate.start()
    return gate


# -- `codemesh keys` ----------------------------------------------------------------------------


def add_keys_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mesh", default=os.environ.get("CODEMESH_MESH", "default"),
                        metavar="NAME", help="whose keys folder (default: $CODEMESH_MESH or "
                                             "'default')")
    parser.add_argument("--keys", type=Path, default=None, metavar="DIR",
                        help="the keys folder (default: ~/.config/codemesh/keys/MESH)")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("init", help="create this host's key pair (and the mesh's server pair "
                                    "if the folder has no server.key) and admit this host")
    add = actions.add_parser("add", help="admit a public key")
    add.add_argument("name", help="a name for the key (host or user)")
    add.add_argument("key_file", type=Path, help="the member's id.key (public key file)")
    remove = actions.add_parser("remove", help="stop admitting a key")
    remove.add_argument("name")
    actions.add_parser("list", help="the admitted keys")


def run_keys(args: argparse.Namespace) -> int:
    folder: Path = args.keys or default_keys_dir(args.mesh)
    try:
        if args.action == "init":
            _init(folder)
        elif args.action == "add":
            _add(folder, args.name, args.key_file)
        elif args.action == "remove":
            _remove(folder, args.name)
        else:
            for name, key in _list(folder):
                print(f"{name}\t{key}")
    except KeysError as exc:
        print(f"codemesh keys: {exc}", file=sys.stderr)
        return 2
    return 0


def _init(folder: Path) -> None:
    (folder / AUTHORIZED).mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    if not (folder / f"{SERVER}.key").exists():
        create_certificates(folder, SERVER)
        print(f"created the mesh's server key pair in {folder}")
    if not (folder / f"{IDENTITY}.key").exists():
        create_certificates(folder, IDENTITY)
        print(f"created this host's key pair in {folder}")
    shutil.copyfile(folder / f"{IDENTITY}.key", folder / AUTHORIZED / "self.key")
    print(f"admitted this host's key ({folder / AUTHORIZED / 'self.key'})")


def _checked_name(name: str) -> str:
    if not _NAME.match(name):
        raise KeysError(f"key name {name!r}: use letters, digits, '.', '_' or '-'")
    return name


def _add(folder: Path, name: str, key_file: Path) -> None:
    try:
        public, _ = load_certificate(key_file)
    except (OSError, ValueError) as exc:
        raise KeysError(f"{key_file} is not a ZeroMQ public key file: {exc}") from None
    if len(public) != 40:
        raise KeysError(f"{key_file} holds no valid CURVE public key")
    (folder / AUTHORIZED).mkdir(parents=True, exist_ok=True)
    target = folder / AUTHORIZED / f"{_checked_name(name)}.key"
    target.write_text(f'metadata\ncurve\n    public-key = "{public.decode()}"\n')
    print(f"admitted {name}")


def _remove(folder: Path, name: str) -> None:
    target = folder / AUTHORIZED / f"{_checked_name(name)}.key"
    if not target.is_file():
        raise KeysError(f"no admitted key named {name!r} in {folder / AUTHORIZED}")
    target.unlink()
    print(f"removed {name}")


def _list(folder: Path) -> list[tuple[str, str]]:
    found = []
    for path in sorted((folder / AUTHORIZED).glob("*.key")):
        try:
            public, _ = load_certificate(path)
        except (OSError, ValueError):
            found.append((path.stem, "(unreadable)"))
            continue
        found.append((path.stem, public.decode()))
    return found
