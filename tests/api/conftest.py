from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serve(platform, housekeeping: bool = True) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The real app under uvicorn on a loopback port, for tools that speak HTTP themselves.
    Without housekeeping for a module's template platform (nothing runs behind its back)."""
    from ecert.http.app import create_app

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(platform.settings, platform),
                                           host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on" if housekeeping else "off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            httpx.get(url + "/pki/ca.pem", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.05)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=5)


@pytest.fixture
def live_url(platform) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """This test's platform served over HTTP."""
    with serve(platform) as url:
        yield url
