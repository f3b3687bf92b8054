"""RFC 9457 problem details: every domain error is translated here, once.

A :class:`formats.errors.DomainError` answers with its ``slug`` as the problem ``type`` and
the status of its ``kind`` (one table, :data:`KIND_STATUS`). Bodies never carry stack traces,
SQL or key material; internal errors say only that something went wrong and give the request
id that the log line carries; unavailable dependencies (database, HSM) answer 503 with
``Retry-After``.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ecert.http.refusals import audit_refusal
from formats.errors import DomainError, Kind

PROBLEM_BASE = "https://ecert.example/problems/"
log = logging.getLogger("ecert.http")

TITLES = {
    400: "请求无效 Bad request", 410: "已失效 Gone", 401: "需要认证 Authentication required",
    403: "无权访问 Forbidden", 404: "未找到 Not found", 405: "方法不允许 Method not allowed",
    409: "冲突 Conflict", 413: "请求过大 Payload too large", 415: "不支持的媒体类型 Unsupported media type",
    422: "数据无效 Unprocessable content", 429: "请求过多 Too many requests",
    500: "内部错误 Internal error", 503: "服务不可用 Service unavailable",
}
STATUS_SLUGS = {400: "bad-request", 401: "unauthenticated", 403: "forbidden", 404: "not-found",
                405: "method-not-allowed", 409: "conflict", 413: "payload-too-large",
                415: "unsupported-media-type", 422: "invalid-request", 429: "rate-limited",
                500: "internal-error", 503: "unavailable"}


class ProblemError(Exception):
    """Raised by the edge itself (auth, limits)."""

    def __init__(self, status: int, slug: str, detail: str, headers: dict[str, str] | None = None,
                 **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.slug, self.detail, self.headers, self.extra = (
            status, slug, detail, headers or {}, extra)


def problem(request: Request | None, status: int, slug: str, detail: str | None = None,
            headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {"type": PROBLEM_BASE + slug, "title": TITLES.get(status, slug),
                            "status": status}
    if detail:
        body["detail"] = detail
    if request is not None:
        body["instance"] = request.url.path
        rid = getattr(request.state, "request_id", None)
        if rid:
            body["request_id"] = rid
    body.update(extra)
    return JSONResponse(body, status_code=status, headers=headers,
                        media_type="application/problem+json")


# The one table from what went wrong to what HTTP says.
KIND_STATUS: dict[Kind, int] = {
    Kind.INPUT: 422, Kind.NOT_FOUND: 404, Kind.CONFLICT: 409, Kind.FORBIDDEN: 403,
    Kind.UNAUTHENTICATED: 401, Kind.GONE: 410, Kind.RATE_LIMITED: 429,
    Kind.UNAVAILABLE: 503, Kind.INTERNAL: 500,
}
RETRY_AFTER_SECONDS = 5


def _request_id(request: Request) -> str:
    return str(getattr(request.state, "request_id", "") or "")


def domain_problem(request: Request, exc: DomainError) -> JSONResponse:
    """The answer to a domain error: its slug, the status of its kind, a safe detail."""
    if exc.kind is Kind.INTERNAL:
        log.error("internal error %s", exc.slug, extra={"request_id": _request_id(request)},
                  exc_info=exc)
        return problem(request, 500, "internal-error", "internal error")
    headers = None
    if exc.kind is Kind.UNAVAILABLE:
        log.warning("unavailable: %s", exc.message, extra={"request_id": _request_id(request)})
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    # Some errors say less to the caller than to the log (opaque refusals of untrusted input).
    detail = getattr(exc, "public_detail", None) or exc.message
    return problem(request, KIND_STATUS[exc.kind], exc.slug, detail, headers,
                   **capped(list(exc.errors)))


MAX_ERRORS = 20  # per answer: the count says how many there were in all


def capped(errors: list[dict[str, Any]]) -> dict[str, Any]:
    """The `errors` member of a problem: the first :data:`MAX_ERRORS`, and how many in all."""
    if not errors:
        return {}
    out: dict[str, Any] = {"errors": errors[:MAX_ERRORS]}
    if len(errors) > MAX_ERRORS:
        out["error_count"] = len(errors)
    return out


async def _edge_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    await audit_refusal(request, exc.status, exc.slug, exc)  # Art. 21: refusals are logged
    return problem(request, exc.status, exc.slug, exc.detail, exc.headers, **exc.extra)


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    await audit_refusal(request, KIND_STATUS[exc.kind], exc.slug, exc)  # Art. 21
    return domain_problem(request, exc)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    found = exc.errors()
    errors = [{"field": ".".join(str(p) for p in e.get("loc", ()) if p != "body")[:200],
               "message": str(e.get("msg", ""))[:200]} for e in found[:MAX_ERRORS]]
    body = capped(errors)
    if len(found) > MAX_ERRORS:
        body["error_count"] = len(found)
    return problem(request, 422, "invalid-request", "the request is not valid", **body)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    slug = STATUS_SLUGS.get(exc.status_code, "error")
    detail = exc.detail if isinstance(exc.detail, str) else None
    return problem(request, exc.status_code, slug, detail, dict(exc.headers or {}))


async def _any_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error", extra={"request_id": _request_id(request)}, exc_info=exc)
    return problem(request, 500, "internal-error", "internal error")


def install(app: FastAPI) -> None:
    """Every error becomes problem+json: edge errors, domain errors, validation, the rest."""
    app.add_exception_handler(ProblemError, _edge_error)
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _any_error)


def _problem_schema() -> dict[str, Any]:
    return {"application/problem+json": {"schema": {
        "type": "object", "required": ["type", "title", "status"],
        "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                       "status": {"type": "integer"}, "detail": {"type": "string"},
                       "instance": {"type": "string"}, "request_id": {"type": "string"},
                       "errors": {"type": "array", "items": {"type": "object"}}}}}}


# Documented on every operation: what any route may answer besides its success.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"description": TITLES[code], "content": _problem_schema()}
    for code in (400, 401, 403, 404, 405, 409, 410, 413, 415, 422, 429, 503)
    if code in TITLES or code == 410
}
