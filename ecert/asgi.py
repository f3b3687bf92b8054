"""ASGI factory for uvicorn workers: `uvicorn --factory ecert.asgi:create --workers 4`.

Settings come from the environment (ECERT_*), built once per worker process.
"""

from __future__ import annotations

from fastapi import FastAPI

from ecert.http.app import create_app
from ecert.settings import load_settings


def create() -> FastAPI:
    return create_app(load_settings())
