"""Public PKI endpoints (no authentication; cacheable): certificates, CRLs, OCSP, TSA.

The root's CRL comes from the series the offline root signed in advance (or, root online,
is signed here); the issuing CA's is signed here.

Every answer states its caching. What signs (OCSP with a nonce, time stamps) is rate-limited
per client address and runs off the event loop; the CRL and nonce-less OCSP answers are
reused (authority.reuse).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from ecert.http.auth import RateLimiter, public
from ecert.http.deps import PlatformDep
from ecert.http.edge import client_address
from ecert.http.problems import ProblemError
from ecert.platform import Platform
from ecert.services import pki as pki_service

router = APIRouter(prefix="/pki", tags=["pki"], dependencies=[Depends(public())])

MAX_OCSP = 8 * 1024
MAX_TSQ = 8 * 1024
SIGNING_PER_MINUTE = {"tsa": 30, "ocsp": 300}  # per client address and process


async def signing_limit(request: Request) -> None:
    """Requests that make a service key sign are limited per client address."""
    kind = "tsa" if request.url.path.endswith("/tsa") else "ocsp"
    limiters = getattr(request.app.state, "signing_limiters", None)
    if limiters is None:
        limiters = request.app.state.signing_limiters = {}
    limiter = limiters.get(kind)
    if limiter is None:
        limiter = limiters[kind] = RateLimiter(SIGNING_PER_MINUTE[kind])
    limiter.check(f"{kind}:{client_address(request)}")


SIGNS = [Depends(signing_limit)]


async def _root(p: Platform) -> tuple[bytes, str]:
    """From this process's cache on the event loop; the store (rarely) in the thread pool."""
    hit = pki_service.cached_root(p)
    if hit is not None:
        return hit
    return await run_in_threadpool(pki_service.load_root, p)


@router.get("/ca.pem", response_class=Response, summary="Root CA certificate (PEM)")
async def ca_pem(p: PlatformDep) -> Response:
    return Response((await _root(p))[1], media_type="application/x-pem-file",
                    headers={"Cache-Control": "public, max-age=86400"})


@router.get("/ca.crt", response_class=Response, summary="Root CA certificate (DER)")
async def ca_der(p: PlatformDep) -> Response:
    return Response((await _root(p))[0], media_type="application/pkix-cert",
                    headers={"Cache-Control": "public, max-age=86400"})


@router.get("/issuing-ca.crt", response_class=Response,
            summary="Issuing CA certificate (DER; caIssuers of the certificates it signs)")
def issuing_ca_der(p: PlatformDep) -> Response:
    der = pki_service.issuing_der(p)
    if der is None:
        raise ProblemError(404, "not-found", "this platform's root signs directly")
    return Response(der, media_type="application/pkix-cert",
                    headers={"Cache-Control": "public, max-age=86400"})


@router.get("/chain.pem", response_class=Response,
            summary="Issuing CA certificates, then the root (PEM)")
def chain_pem(p: PlatformDep) -> Response:
    return Response(pki_service.ca_chain_pem(p), media_type="application/x-pem-file",
                    headers={"Cache-Control": "public, max-age=3600"})


@router.get("/departments/{code}/certs.pem", response_class=Response,
            summary="All signing certificates of a department, current first (PEM)")
def dept_certs(code: str, p: PlatformDep) -> Response:
    body = pki_service.department_pem(p, code)
    if body is None:
        raise ProblemError(404, "not-found", "no such department")
    return Response(body, media_type="application/x-pem-file",
                    headers={"Cache-Control": "public, max-age=300"})


@router.get("/services.pem", response_class=Response,
            summary="TSA, OCSP responder and audit-log certificates (PEM)")
def service_certs(p: PlatformDep) -> Response:
    return Response(pki_service.services_pem(p), media_type="application/x-pem-file",
                    headers={"Cache-Control": "public, max-age=300"})


@router.get("/crl/{ca}.crl", response_class=Response, summary="CRL (DER, RFC 5280)")
def crl(ca: str, p: PlatformDep) -> Response:
    if ca not in ("root", "issuing"):
        raise ProblemError(404, "not-found", "no such CA")
    body = pki_service.crl(p) if ca == "root" else pki_service.issuing_crl(p)
    return Response(body, media_type="application/pkix-crl",
                    headers={"Cache-Control": "public, max-age=300"})


@router.get("/crls.pem", response_class=Response,
            summary="The issuing CA's and the root's CRLs (PEM, for nginx ssl_crl)")
def crls_pem(p: PlatformDep) -> Response:
    return Response(pki_service.crls_pem(p), media_type="application/x-pem-file",
                    headers={"Cache-Control": "public, max-age=300"})


@router.post("/ocsp", response_class=Response, summary="OCSP (RFC 6960), POST", dependencies=SIGNS,
             openapi_extra={"requestBody": {"content": {"application/ocsp-request": {
                 "schema": {"type": "string", "format": "binary"}}}, "required": True}})
async def ocsp_post(request: Request, p: PlatformDep) -> Response:
    body = await request.body()
    if len(body) > MAX_OCSP:
        raise ProblemError(413, "payload-too-large", "OCSP requests are small")
    return _ocsp_response(await run_in_threadpool(pki_service.ocsp, p, body))


@router.get("/ocsp/{encoded:path}", response_class=Response, summary="OCSP (RFC 6960), GET",
            dependencies=SIGNS)
def ocsp_get(encoded: str, p: PlatformDep) -> Response:
    return _ocsp_response(pki_service.ocsp_get(p, encoded))


def _ocsp_response(der: bytes) -> Response:
    return Response(der, media_type="application/ocsp-response",
                    headers={"Cache-Control": "public, max-age=300"})


@router.post("/tsa", response_class=Response, summary="Time-stamping (RFC 3161)", dependencies=SIGNS,
             openapi_extra={"requestBody": {"content": {"application/timestamp-query": {
                 "schema": {"type": "string", "format": "binary"}}}, "required": True}})
async def tsa(request: Request, p: PlatformDep) -> Response:
    body = await request.body()
    if len(body) > MAX_TSQ:
        raise ProblemError(413, "payload-too-large", "time-stamp queries are small")
    return Response(await run_in_threadpool(pki_service.timestamp, p, body),
                    media_type="application/timestamp-reply",
                    headers={"Cache-Control": "no-store"})
