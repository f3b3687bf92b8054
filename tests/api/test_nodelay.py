"""`ecert serve --workers N`: connections have Nagle's algorithm off (ecert/http/nodelay.py).

uvicorn binds the workers' listening socket as `socket.socket(family)` (proto 0), and asyncio
then leaves TCP_NODELAY off: each response's body waited 40 ms for the client's delayed ACK.
The test serves a real uvicorn on a socket made the same way (`Config.bind_socket`) and reads
the option on the server's side of a live connection.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import Any

import uvicorn

from ecert.http.nodelay import NoDelayHTTPProtocol


async def _app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})


def _server_side_nodelay(protocol: type[asyncio.Protocol]) -> list[int]:
    config = uvicorn.Config(_app, host="127.0.0.1", port=0, http=protocol, lifespan="off",
                            log_level="warning")
    sock = config.bind_socket()  # what `uvicorn.run(..., workers=N)` hands to each worker
    assert sock.proto == 0
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])),
                              daemon=True)
    thread.start()
    try:
        for _ in range(500):
            if server.started:
                break
            time.sleep(0.01)
        with socket.create_connection(sock.getsockname()[:2], timeout=10) as c:
            c.sendall(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            assert c.recv(4096).startswith(b"HTTP/1.1 200")
            return [conn.transport.get_extra_info("socket").getsockopt(
                socket.IPPROTO_TCP, socket.TCP_NODELAY) for conn in
                list(server.server_state.connections)]
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def test_worker_connections_have_nagle_off() -> None:
    flags = _server_side_nodelay(NoDelayHTTPProtocol)
    assert flags and all(flags), flags
