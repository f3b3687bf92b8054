"""A minimal forward HTTP proxy for the drill machine (deploy/drill/walk.sh).

The drill machine has a private network (a veth pair, no route out): it reaches Debian's
mirror and PyPI only through this proxy on the host side of the pair, as a machine in a data
centre reaches the outside through the centre's proxy. CONNECT is tunnelled (HTTPS: PyPI);
a plain request with an absolute URI is passed unchanged to the host it names (HTTP/1.1
servers accept the absolute form: apt's requests to deb.debian.org). Standard library only.

    python3 proxy.py 10.187.0.1 18700
"""

from __future__ import annotations

import asyncio
import sys
from urllib.parse import urlsplit


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


async def _handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        writer.close()
        return
    method, target, _ = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ", 2)
    if method == "CONNECT":
        host, _, port = target.rpartition(":")
    else:
        url = urlsplit(target)
        host, port = url.hostname or "", str(url.port or 80)
    try:
        up_reader, up_writer = await asyncio.open_connection(host, int(port))
    except (OSError, ValueError):
        writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
        writer.close()
        return
    if method == "CONNECT":
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
    else:
        up_writer.write(head)
    await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))


async def main(host: str, port: int) -> None:
    server = await asyncio.start_server(_handle, host, port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
