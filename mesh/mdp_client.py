"""An async MDP/0.2 client: send a request to a service, receive its PARTIALs and its FINAL.

Used by `codemesh analyze` to talk to the broker. A broker that sends nothing for `timeout`
seconds is declared unreachable with a message that names it, rather than waited on forever.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import zmq
import zmq.asyncio

from mesh import mdp, sockets
from mesh.mdp import ClientCommand, ClientMessage


class BrokerUnavailable(ConnectionError):
    """The broker did not answer in time."""


class MdpClient:
    def __init__(self, endpoint: str, *, timeout: float = 15.0,
                 max_message: int = 64 * 1024 * 1024) -> None:
        self.endpoint = endpoint
        self.timeout = timeout
        ctx = zmq.asyncio.Context.instance()
        self.sock = sockets.make_socket(ctx, zmq.DEALER, max_message=max_message)
        self.sock.connect(endpoint)

    def close(self) -> None:
        self.sock.close(linger=0)

    async def stream(self, service: bytes, body: list[bytes]) \
            -> AsyncIterator[tuple[bool, list[bytes]]]:
        """Yield (final, body) for each reply; the last one has final=True."""
        await self.sock.send_multipart(
            ClientMessage(ClientCommand.REQUEST, service, body).frames())
        while True:
            if not await self.sock.poll(self.timeout * 1000):
                raise BrokerUnavailable(
                    f"no answer from the broker at {self.endpoint} for {self.timeout:g}s; "
                    f"is `codemesh broker` running there?")
            frames = await self.sock.recv_multipart()
            try:
                message = mdp.parse(frames)
            except mdp.ProtocolError:
                continue
            if not isinstance(message, ClientMessage) or message.service != service:
                continue
            final = message.command is ClientCommand.FINAL
            yield final, message.body
            if final:
                return

    async def request(self, service: bytes, body: list[bytes]) -> list[bytes]:
        """The FINAL body of one request (PARTIALs are skipped)."""
        async for final, reply in self.stream(service, body):
            if final:
                return reply
        raise BrokerUnavailable(f"the broker at {self.endpoint} closed the request")
