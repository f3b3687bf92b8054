"""Typed FastAPI dependencies on what `create_app` put on the app: routes take
`platform: PlatformDep` instead of reaching into `request.app.state`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ecert.platform import Platform


def get_platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


async def platform_dep(request: Request) -> Platform:
    """The same, as an `async` dependency: FastAPI runs a sync one in the thread pool, a
    hop that costs more than a cheap route's own work (issue 11, B2)."""
    return get_platform(request)


PlatformDep = Annotated[Platform, Depends(platform_dep)]
