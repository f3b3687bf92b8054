"""Public PKI endpoints (no authentication; cacheable): certificates, CRL, OCSP, TSA."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from ecert.http.auth import public
from ecert.http.deps import PlatformDep
from ecert.http.problems import ProblemError
from ecert.services import pki as pki_service

router = APIRouter(prefix="/pki", tags=["pki"], dependencies=[Depends(public())])

MAX_OCSP = 8 * 1024
MAX_TSQ = 8 * 1024


@router.get("/ca.pem", response_class=Response, summary="Root CA certificate (PEM)")
def ca_pem(p: PlatformDep) -> Response:
    return Response(pki_service.root_pem(p), media_type="application/x-pem-file",
                    headers={"Cache-Control": "public, max-age=86400"})


@router.get("/ca.crt", response_class=Response, summary="Root CA certificate (DER)")
def ca_der(p: PlatformDep) -> Response:
    return Response(pki_service.root_der(p), media_type="application/pkix-cert",
                    headers={"Cache-Control": "public, max-age=86400"})


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
    return Response(pki_service.services_pem(p),
                    media_type="application/x-pem-file")


@router.get("/crl/{ca}.crl", response_class=Response, summary="CRL (DER, RFC 5280)")
def crl(ca: str, p: PlatformDep) -> Response:
    if ca != "root":
        raise ProblemError(404, "not-found", "no such CA")
    return Response(pki_service.crl(p), media_type="application/pkix-crl",
                    headers={"Cache-Control": "public, max-age=300"})


@router.post("/ocsp", response_class=Response, summary="OCSP (RFC 6960), POST",
             openapi_extra={"requestBody": {"content": {"application/ocsp-request": {
                 "schema": {"type": "string", "format": "binary"}}}, "required": True}})
async def ocsp_post(request: Request, p: PlatformDep) -> Response:
    body = await request.body()
    if len(body) > MAX_OCSP:
        raise ProblemError(413, "payload-too-large", "OCSP requests are small")
    return _ocsp_response(pki_service.ocsp(p, body))


@router.get("/ocsp/{encoded:path}", response_class=Response, summary="OCSP (RFC 6960), GET")
def ocsp_get(encoded: str, p: PlatformDep) -> Response:
    return _ocsp_response(pki_service.ocsp_get(p, encoded))


def _ocsp_response(der: bytes) -> Response:
    return Response(der, media_type="application/ocsp-response",
                    headers={"Cache-Control": "no-cache"})


@router.post("/tsa", response_class=Response, summary="Time-stamping (RFC 3161)",
             openapi_extra={"requestBody": {"content": {"application/timestamp-query": {
                 "schema": {"type": "string", "format": "binary"}}}, "required": True}})
async def tsa(request: Request, p: PlatformDep) -> Response:
    body = await request.body()
    if len(body) > MAX_TSQ:
        raise ProblemError(413, "payload-too-large", "time-stamp queries are small")
    return Response(pki_service.timestamp(p, body),
                    media_type="application/timestamp-reply")
