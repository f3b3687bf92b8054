"""uvicorn's HTTP protocol with Nagle's algorithm off on every connection (issue 11, B3).

With ``--workers N`` uvicorn binds the listening socket itself as ``socket.socket(family)``,
whose ``proto`` is 0; asyncio turns on ``TCP_NODELAY`` only for sockets whose ``proto`` is
``IPPROTO_TCP``, so the workers' connections kept Nagle on. A response is two writes (head,
then body): the body waited for the client's delayed ACK, 40 ms per request on Linux — a
2-worker server answered ``/healthz`` about 170 times a second against 1,500 for one worker.
One worker was not affected (its socket comes from ``loop.create_server``, ``proto`` 6).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket

from uvicorn.protocols.http.auto import AutoHTTPProtocol


class NoDelayHTTPProtocol(AutoHTTPProtocol):  # type: ignore[misc, valid-type]
    """uvicorn's own protocol (h11, or httptools when installed), with ``TCP_NODELAY``."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):  # a connection already gone: nothing to tune
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
