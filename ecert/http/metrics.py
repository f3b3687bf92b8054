"""`/metrics` in Prometheus' text format, for the addresses in `ECERT_METRICS_ALLOW` only.

Two kinds of figures:

* counted as requests pass (`Instrument`, the outermost middleware, and the routes that issue
  and verify): requests by route template and status, latency histograms, issuance and
  verification outcomes. With several worker processes prometheus-client keeps them in files
  under `PROMETHEUS_MULTIPROC_DIR` (`ecert serve --workers N` sets one up), and a scrape of any
  worker adds them all up;
* read from the database and the key store when scraped (`PlatformCollector`): audit log size
  and head age, signed lists' age, readiness checks, import progress, the outbox's depth.

Labels never carry a path's values, only route templates: the set of series stays bounded.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import time
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ecert.http.auth import public
from ecert.http.deps import PlatformDep
from ecert.http.edge import Network, client_address, in_networks, parse_proxies
from ecert.http.problems import ProblemError
from ecert.platform import Platform
from ecert.services import health, verification

log = logging.getLogger("ecert.access")
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUESTS = Counter("ecert_http_requests", "HTTP requests answered, by route template and status",
                   ["method", "route", "status"])
LATENCY = Histogram("ecert_http_request_duration_seconds",
                    "Time to answer an HTTP request, by route template",
                    ["method", "route"], buckets=LATENCY_BUCKETS)
ISSUANCE = Counter("ecert_issuance", "Certificate issuance calls, by outcome (issued or the "
                   "problem slug that refused it)", ["outcome"])
VERIFICATIONS = Counter("ecert_verifications", "Verifications answered, by verdict",
                        ["verdict"])


def issued(outcome: str) -> None:
    ISSUANCE.labels(outcome=outcome[:40]).inc()


def verified(verdict: object) -> None:
    value = getattr(verdict, "value", verdict)
    VERIFICATIONS.labels(verdict=str(value or "unknown")[:40]).inc()


# -- the middleware -----------------------------------------------------------------------------
def route_template(scope: Scope) -> str:
    """The matched route's template (`/api/v1/certificates/{identifier}`), never the path."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else "unmatched"


class Instrument:
    """Counts and times every HTTP request; with JSON logs, writes one access line for it
    (request id, method, route template, path without its query, status, duration)."""

    def __init__(self, app: ASGIApp, access_log: bool = False) -> None:
        self.app = app
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status, recorded = 500, False

        async def watch(message: Message) -> None:
            nonlocal status, recorded
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                # counted before the last byte leaves: a scrape after the answer sees it
                recorded = True
                self._record(scope, status, time.perf_counter() - started)
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            if not recorded:  # no complete answer (an error, a disconnect)
                self._record(scope, status, time.perf_counter() - started)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        method = scope.get("method", "GET")
        method = method if method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE") else "OTHER"
        route = route_template(scope)
        REQUESTS.labels(method=method, route=route, status=str(status)).inc()
        LATENCY.labels(method=method, route=route).observe(seconds)
        if self.access_log:
            state = scope.get("state") or {}
            log.info("%s %s %d", method, route, status, extra={
                "request_id": state.get("request_id"), "method": method, "route": route,
                "path": scope.get("path", ""), "status": status,
                "duration_ms": round(seconds * 1000, 2), "client": state.get("client_address")})


# -- figures read when scraped ----------------------------------------------------------------
def _jws_times(jws: str) -> tuple[float, float] | None:
    """(issued_at, next_update) of a signed list, as epoch seconds, from its payload."""
    import datetime as dt

    try:
        part = jws.split(".")[1]
        payload = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
        return tuple(dt.datetime.fromisoformat(payload[k].replace("Z", "+00:00")).timestamp()
                     for k in ("issued_at", "next_update"))  # type: ignore[return-value]
    except (IndexError, KeyError, ValueError, TypeError, AttributeError):
        return None


class PlatformCollector(Collector):
    """Gauges read from the platform at scrape time (one short read transaction)."""

    def __init__(self, platform: Platform) -> None:
        self.p = platform
        self.lists: dict[str, tuple[float, float]] = {}  # the last list of each kind signed

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = self.p.now().timestamp()
        yield self._readiness()
        try:
            yield from self._store(now)
        except Exception:  # noqa: BLE001 - an unreachable database shows as ecert_ready{check}
            log.warning("metrics: the database could not be read")
        yield from self._lists(now)
        yield from self._reads()

    def _reads(self) -> Iterator[GaugeMetricFamily]:
        """Where this process's read-only answers came from (certificate_store/replica.py)."""
        g = GaugeMetricFamily("ecert_reads_by_source", "Lookups and verifications answered by "
                              "this process, by source (replica; primary:replica-lag; "
                              "primary:replica-down; replica:unconfirmed)", labels=["source"])
        for source, n in sorted(self.p.reads.served.items()):
            g.add_metric([source], n)
        yield g
        lag = getattr(self.p.reads, "replay_lag_seconds", None)
        if lag is not None and (value := lag()) is not None:
            yield GaugeMetricFamily("ecert_replica_replay_lag_seconds", "now() - "
                                    "pg_last_xact_replay_timestamp() on the read replica (grows "
                                    "while the primary is idle too)", value=value)

    def _readiness(self) -> GaugeMetricFamily:
        g = GaugeMetricFamily("ecert_ready", "Readiness checks as /readyz runs them "
                              "(1 passed, 0 failed; a check after a failure is not run)",
                              labels=["check"])
        for check in health.readiness(self.p).checks:
            g.add_metric([check.name], 1.0 if check.ok else 0.0)
        return g

    def _store(self, now: float) -> Iterator[GaugeMetricFamily]:
        with self.p.store.transaction() as uow:
            size = uow.audit.size()
            head = uow.audit.latest_head()
            pending = uow.notifications.pending_count()
            running = uow.imports.running()
            withheld = uow.pdf_jobs.pending_count()
        yield GaugeMetricFamily("ecert_audit_log_entries", "Entries in the audit log", value=size)
        if head is not None:
            yield GaugeMetricFamily("ecert_audit_tree_head_size",
                                    "Tree size of the latest signed tree head", value=head.tree_size)
            yield GaugeMetricFamily("ecert_audit_tree_head_age_seconds",
                                    "Age of the latest signed tree head",
                                    value=max(0.0, now - head.timestamp_ms / 1000))
        yield GaugeMetricFamily("ecert_notifications_pending",
                                "Notifications queued and not yet sent", value=pending)
        g = GaugeMetricFamily("ecert_import_rows_done", "Rows processed by running import jobs",
                              labels=["job", "type"])
        for job in running:
            g.add_metric([str(job.id), job.type_code], job.rows_done)
        yield g
        yield GaugeMetricFamily("ecert_imports_running", "Import jobs not finished",
                                value=len(running))
        yield GaugeMetricFamily("ecert_pdfs_withheld",
                                "PDFs waiting for the time-stamping service (pdf_jobs pending)",
                                value=withheld)

    def _lists(self, now: float) -> Iterator[GaugeMetricFamily]:
        age = GaugeMetricFamily("ecert_list_age_seconds",
                                "Age of the signed list this process serves", labels=["list"])
        left = GaugeMetricFamily("ecert_list_seconds_to_next_update",
                                 "Seconds until the served list's next_update (negative: stale)",
                                 labels=["list"])
        for kind in ("trust", "status"):
            try:
                times = _jws_times(verification.signed_list(self.p, kind))
                if times is not None:
                    self.lists[kind] = times
            except Exception:  # noqa: BLE001 - not signable now: the last one ages on
                log.warning("metrics: the %s list could not be signed", kind)
            if kind in self.lists:
                issued_at, next_update = self.lists[kind]
                age.add_metric([kind], max(0.0, now - issued_at))
                left.add_metric([kind], next_update - now)
        yield age
        yield left


# -- the endpoint -------------------------------------------------------------------------------
def registry_for(platform: Platform) -> CollectorRegistry:
    """What a scrape sees: the counters of every worker (multiprocess mode) or of this one,
    and the platform's gauges."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        for collector in (REQUESTS, LATENCY, ISSUANCE, VERIFICATIONS):
            registry.register(collector)
    registry.register(PlatformCollector(platform))
    return registry


def metrics_allowed(request: Request) -> None:
    """Only the addresses in `ECERT_METRICS_ALLOW` (loopback by default) may scrape; to anyone
    else the endpoint does not exist (404, as through nginx)."""
    allowed: tuple[Network, ...] = request.app.state.metrics_allow
    if not in_networks(client_address(request), allowed):
        raise ProblemError(404, "not-found", "no such page")


router = APIRouter()


@router.get("/metrics", include_in_schema=False,
            dependencies=[Depends(public()), Depends(metrics_allowed)])
def metrics(request: Request, p: PlatformDep) -> Response:
    registry = getattr(request.app.state, "metrics_registry", None)
    if registry is None:
        registry = request.app.state.metrics_registry = registry_for(p)
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def install(app: Any, metrics_allow: tuple[str, ...], access_log: bool) -> None:
    app.state.metrics_allow = parse_proxies(",".join(metrics_allow))
    app.include_router(router)
    app.add_middleware(Instrument, access_log=access_log)
