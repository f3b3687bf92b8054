"""Typed FastAPI dependencies on what `create_app` put on the app: routes take
`platform: PlatformDep` instead of reaching into `request.app.state`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ecert.platform import Platform


def get_platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


PlatformDep = Annotated[Platform, Depends(get_platform)]
