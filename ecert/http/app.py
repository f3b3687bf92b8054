"""`create_app(settings)`: the FastAPI application. No engine or settings at import time."""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.staticfiles import StaticFiles

from ecert.http import lifespan as housekeeping
from ecert.http import logredact, logsetup, metrics, problems
from ecert.http.auth import RateLimiter, allow, public
from ecert.http.edge import Edge, parse_proxies
from ecert.http.routes import (
    admin,
    audit,
    bulk,
    health,
    holder,
    home,
    inbox,
    issuing,
    lists,
    login,
    operators,
    pages,
    pki,
    proposals,
    verifying,
)
from ecert.platform import Platform
from ecert.settings import Settings

log = logging.getLogger("ecert.http")

# The problem responses are documented on every router but the home page's.
ROUTERS = (pki.router, admin.router, audit.router, issuing.router, bulk.router, lists.router,
           verifying.router, verifying.public_router, holder.router, pages.router,
           operators.router, login.router, login.cert_router, inbox.router, inbox.outbox_router,
           proposals.router)


def create_app(settings: Settings, platform: Platform | None = None) -> FastAPI:
    platform = platform or Platform(settings)
    app = FastAPI(
        lifespan=_lifespan(settings, platform),
        title="ecert 电子证照平台 API",
        version="1.0",
        description="Signing, lookup, verification and audit of electronic certificates "
                    "(西藏自治区电子证照管理暂行办法). Errors are RFC 9457 problem+json.",
        docs_url=None,  # served by ecert/http/routes/home.py from local assets (no CDN)
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.platform = platform
    app.state.rate_limiter = RateLimiter(platform.settings.rate_limit_per_minute)
    logredact.install()
    logsetup.install(settings.log_format)
    problems.install(app)
    app.add_middleware(Edge, max_body_bytes=settings.max_body_bytes,
                       trusted_proxies=parse_proxies(",".join(settings.trusted_proxies)))
    metrics.install(app, settings.metrics_allow, access_log=settings.log_format == "json")
    app.include_router(home.router)
    app.include_router(health.router)
    for router in ROUTERS:
        app.include_router(router, responses=problems.PROBLEM_RESPONSES)
    app.mount("/static/apidocs", StaticFiles(directory=home.APIDOCS_ASSETS), name="apidocs")
    app.mount("/static", StaticFiles(directory=pages.STATIC_DIR), name="static")
    _check_every_route_declares_roles(app)
    _document_roles(app)
    return app


def _lifespan(settings: Settings, platform: Platform
              ) -> Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if not settings.housekeeping:  # `ecert housekeeping --loop` does it (deploy/systemd)
            yield
            return
        interval = max(1.0, min(float(settings.sth_every_seconds), 30.0))
        async with housekeeping.periodic(platform, interval):
            yield

    return lifespan


def _document_roles(app: FastAPI) -> None:
    """Every operation in the OpenAPI document says which roles may call it (`x-roles`) and,
    unless public, that it takes a bearer token — so the API docs can authorise requests."""
    # OpenAPI writes {encoded:path} as {encoded}
    declared = {(m.lower(), re.sub(r"\{(\w+):\w+\}", r"{\1}", path)): route_roles(r) or frozenset()
                for path, r in api_routes(app) for m in r.methods or ()}

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version,
                                 description=app.description, routes=app.routes)
            schema.setdefault("components", {})["securitySchemes"] = {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "ecert token (ecert token create), or a department "
                                          "client certificate over mutual TLS"}}
            for path, ops in schema.get("paths", {}).items():
                for method, op in ops.items():
                    roles = declared.get((method, path), frozenset())
                    op["x-roles"] = sorted(roles)
                    if "public" not in roles:
                        op["security"] = [{"bearer": []}]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def api_routes(app: FastAPI) -> list[tuple[str, APIRoute]]:
    """(full path, route) of every API route, through included routers too."""
    out = []
    for ctx in iter_route_contexts(app.router.routes):
        route = ctx.original_route
        if isinstance(route, APIRoute):
            out.append((ctx.path or route.path, route))
    return out


def route_roles(route: APIRoute) -> frozenset[str] | None:
    """The roles a route declared through `allow(...)`/`public()`, or None."""
    found: set[str] = set()
    for dep in route.dependant.dependencies:
        if isinstance(dep.call, (allow, public)):
            found |= dep.call.roles
    return frozenset(found) if found else None


def _check_every_route_declares_roles(app: FastAPI) -> None:
    missing = [f"{sorted(r.methods or ())} {path}" for path, r in api_routes(app)
               if route_roles(r) is None]
    if missing:
        raise RuntimeError(f"routes without declared roles: {missing}")
