"""Public PKI endpoints (no authentication; cacheable): certificates, CRL, OCSP, TSA."""

from __future__ import annotations

import base64
import binascii

from fastapi import APIRouter, Depends, Request, Response

from ca.certs import pem
from ecert.auth import public
from ecert.problems import ProblemError

router = APIRouter(prefix="/pki", tags=["pki"], dependencies=[Depends(public())])

MAX_OCSP = 8 * 1024
MAX_TSQ = 8 * 1024


def _platform(request: Request):  # type: ignore[no-untyped-def]
    return request.app.state.platform


@router.get("/ca.pem", response_class=Response, summary="Root CA certificate (PEM)")
def ca_pem(request: Request) -> Response:
    p = _platform(request)
    with p.store.transaction() as uow:
        _s, der = p.pki.root(uow)
    return Response(pem(der), media_type="application/x-pem-file",
                    headers={"Cache-Control": "public, max-age=86400"})


@router.get("/ca.crt", response_class=Response, summary="Root CA certificate (DER)")
def ca_der(request: Request) -> Response:
    p = _platform(request)
    with p.store.transaction() as uow:
        _s, der = p.pki.root(uow)
    return Response(der, media_type="application/pkix-cert",
                    headers={"Cache-Control": "public, max-age=86400"})


@router.get("/departments/{code}/certs.pem", response_class=Response,
            summary="All signing certificates of a department, current first (PEM)")
def dept_certs(code: str, request: Request) -> Response:
    p = _platform(request)
    if len(code) != 18 or not code.isalnum():
        raise ProblemError(404, "not-found", "no such department")
    with p.store.transaction() as uow:
        if uow.departments.find(code) is None:
            raise ProblemError(404, "not-found", "no such department")
        certs = p.pki.department_certs(uow, code)
    return Response("".join(pem(c.der) for c in certs), media_type="application/x-pem-file",
                    headers={"Cache-Control": "public, max-age=300"})


@router.get("/services.pem", response_class=Response,
            summary="TSA, OCSP responder and audit-log certificates (PEM)")
def service_certs(request: Request) -> Response:
    p = _platform(request)
    with p.store.transaction() as uow:
        ders = [rec.der for kind in ("tsa", "ocsp", "audit") for rec in uow.pki.list(kind=kind)]
    return Response("".join(pem(d) for d in ders), media_type="application/x-pem-file")


@router.get("/crl/{ca}.crl", response_class=Response, summary="CRL (DER, RFC 5280)")
def crl(ca: str, request: Request) -> Response:
    if ca != "root":
        raise ProblemError(404, "not-found", "no such CA")
    p = _platform(request)
    with p.store.transaction() as uow:
        der = p.pki.crl(uow, p.now())
    return Response(der, media_type="application/pkix-crl",
                    headers={"Cache-Control": "public, max-age=300"})


@router.post("/ocsp", response_class=Response, summary="OCSP (RFC 6960), POST",
             openapi_extra={"requestBody": {"content": {"application/ocsp-request": {
                 "schema": {"type": "string", "format": "binary"}}}, "required": True}})
async def ocsp_post(request: Request) -> Response:
    body = await request.body()
    if len(body) > MAX_OCSP:
        raise ProblemError(413, "payload-too-large", "OCSP requests are small")
    return _ocsp(request, body)


@router.get("/ocsp/{encoded:path}", response_class=Response, summary="OCSP (RFC 6960), GET")
def ocsp_get(encoded: str, request: Request) -> Response:
    try:
        der = base64.b64decode(encoded.replace("%2B", "+").replace("%2F", "/")
                               .replace("%3D", "="), validate=True)
    except (binascii.Error, ValueError):
        der = b""
    return _ocsp(request, der)


def _ocsp(request: Request, der: bytes) -> Response:
    p = _platform(request)
    with p.store.transaction() as uow:
        resp = p.pki.answer_ocsp(uow, der, p.now())
    return Response(resp, media_type="application/ocsp-response",
                    headers={"Cache-Control": "no-cache"})


@router.post("/tsa", response_class=Response, summary="Time-stamping (RFC 3161)",
             openapi_extra={"requestBody": {"content": {"application/timestamp-query": {
                 "schema": {"type": "string", "format": "binary"}}}, "required": True}})
async def tsa(request: Request) -> Response:
    body = await request.body()
    if len(body) > MAX_TSQ:
        raise ProblemError(413, "payload-too-large", "time-stamp queries are small")
    p = _platform(request)
    with p.store.transaction() as uow:
        resp = p.pki.timestamp(uow, body, p.now())
    return Response(resp, media_type="application/timestamp-reply")
