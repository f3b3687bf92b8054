"""RFC 6960 OCSP: parse requests, build signed responses with any :class:`Signer`.

Responses are built with asn1crypto: one SingleResponse, responderID byKey, the
responder certificate included, the request nonce (RFC 8954) echoed, and
``producedAt`` taken from the caller's ``now``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from asn1crypto import core, ocsp
from asn1crypto import x509 as asn1_x509

from ca.errors import MalformedRequest
from ca.revocation import Reason
from ca.signer import Signer

__all__ = [
    "OcspRequest",
    "OcspStatus",
    "CertStatusInfo",
    "parse_ocsp_request",
    "ocsp_request_from_get",
    "issuer_matches",
    "build_ocsp_response",
    "ocsp_response_for",
    "ocsp_error_response",
    "answer_ocsp_request",
    "MAX_REQUEST_BYTES",
]

OcspStatus = Literal["good", "revoked", "unknown"]
MAX_REQUEST_BYTES = 8192
_HASHES = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha384": hashlib.sha384,
           "sha512": hashlib.sha512}


@dataclass(frozen=True)
class OcspRequest:
    hash_algorithm: str
    """Hash of the CertID (``sha1`` or ``sha256`` …), echoed in the response."""
    issuer_name_hash: bytes
    issuer_key_hash: bytes
    serial: int
    nonce: bytes | None


@dataclass(frozen=True)
class CertStatusInfo:
    """What the certificate store says about one serial."""

    status: OcspStatus
    revoked_at: dt.datetime | None = None
    reason: Reason = Reason.UNSPECIFIED


def _utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("datetimes must be timezone-aware")
    return value.astimezone(dt.UTC).replace(microsecond=0)


def parse_ocsp_request(der: bytes) -> OcspRequest:
    """Parse a DER OCSPRequest with exactly one certificate; junk raises
    :class:`MalformedRequest`."""
    if not der or len(der) > MAX_REQUEST_BYTES:
        raise MalformedRequest("OCSP request size out of range")
    try:
        req = ocsp.OCSPRequest.load(der, strict=True)
        tbs = req["tbs_request"]
        items = tbs["request_list"]
        if len(items) != 1:
            raise MalformedRequest("exactly one certificate per request")
        cert_id = items[0]["req_cert"]
        algo = cert_id["hash_algorithm"]["algorithm"].native
        name_hash = bytes(cert_id["issuer_name_hash"].native)
        key_hash = bytes(cert_id["issuer_key_hash"].native)
        serial = int(cert_id["serial_number"].native)
        nonce: bytes | None = None
        for ext in tbs["request_extensions"] or []:
            if ext["extn_id"].native == "nonce":
                nonce = bytes(ext["extn_value"].parsed.native)
            elif ext["critical"].native:
                raise MalformedRequest("unsupported critical extension")
    except MalformedRequest:
        raise
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise MalformedRequest("not an OCSP request") from exc
    if algo not in _HASHES:
        raise MalformedRequest("unsupported CertID hash")
    if len(name_hash) != _HASHES[algo]().digest_size or len(key_hash) != len(name_hash):
        raise MalformedRequest("CertID hash lengths wrong")
    if nonce is not None and not 1 <= len(nonce) <= 128:
        raise MalformedRequest("nonce length out of range")
    if serial <= 0:
        raise MalformedRequest("serial must be positive")
    return OcspRequest(algo, name_hash, key_hash, serial, nonce)


def ocsp_request_from_get(path_segment: str) -> bytes:
    """DER request from the last path segment of an RFC 6960 §A.1 GET
    (URL-encoded base64). Raises :class:`MalformedRequest`."""
    text = urllib.parse.unquote(path_segment)
    if not text or len(text) > (MAX_REQUEST_BYTES * 4) // 3 + 4:
        raise MalformedRequest("OCSP GET request size out of range")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MalformedRequest("OCSP GET request is not base64") from exc


def _issuer_hashes(ca_cert_der: bytes, algo: str) -> tuple[bytes, bytes]:
    ca = asn1_x509.Certificate.load(ca_cert_der)
    h = _HASHES[algo]
    name_hash = h(ca.subject.dump()).digest()
    key_hash = h(bytes(ca.public_key["public_key"].contents[1:])).digest()
    return name_hash, key_hash


def issuer_matches(request: OcspRequest, ca_cert_der: bytes) -> bool:
    """Whether the request asks about a certificate issued by this CA."""
    name_hash, key_hash = _issuer_hashes(ca_cert_der, request.hash_algorithm)
    return name_hash == request.issuer_name_hash and key_hash == request.issuer_key_hash


def _cert_status(status: OcspStatus, revoked_at: dt.datetime | None,
                 reason: Reason) -> ocsp.CertStatus:
    if status == "good":
        return ocsp.CertStatus(name="good", value=core.Null())
    if status == "unknown":
        return ocsp.CertStatus(name="unknown", value=core.Null())
    if status == "revoked":
        if revoked_at is None:
            raise ValueError("revoked status needs revoked_at")
        info: dict[str, object] = {"revocation_time": _utc(revoked_at)}
        if reason is not Reason.UNSPECIFIED:
            info["revocation_reason"] = reason.asn1_name
        return ocsp.CertStatus(name="revoked", value=info)
    raise ValueError("status must be good, revoked or unknown")


def _signed_response(responder_signer: Signer, responder: asn1_x509.Certificate,
                     tbs: ocsp.ResponseData) -> bytes:
    basic = ocsp.BasicOCSPResponse(
        {
            "tbs_response_data": tbs,
            "signature_algorithm": {"algorithm": "sha256_ecdsa"},
            "signature": responder_signer.sign(tbs.dump()),
            "certs": [responder],
        }
    )
    resp = ocsp.OCSPResponse(
        {
            "response_status": "successful",
            "response_bytes": {"response_type": "basic_ocsp_response", "response": basic},
        }
    )
    return bytes(resp.dump())


def build_ocsp_response(
    responder_signer: Signer,
    responder_cert_der: bytes,
    ca_cert_der: bytes,
    serial: int,
    status: OcspStatus,
    revoked_at: dt.datetime | None,
    reason: Reason,
    this_update: dt.datetime,
    next_update: dt.datetime,
    nonce: bytes | None,
    now: dt.datetime | None = None,
    hash_algorithm: str = "sha1",
) -> bytes:
    """A signed ``successful`` OCSPResponse (DER) for one serial.

    ``now`` is producedAt (defaults to ``this_update``); ``hash_algorithm`` must be
    the request's CertID hash so clients can match the answer.
    """
    if hash_algorithm not in _HASHES:
        raise ValueError("unsupported CertID hash")
    name_hash, key_hash = _issuer_hashes(ca_cert_der, hash_algorithm)
    cert_id = ocsp.CertId(
        {
            "hash_algorithm": {"algorithm": hash_algorithm},
            "issuer_name_hash": name_hash,
            "issuer_key_hash": key_hash,
            "serial_number": serial,
        }
    )
    cert_status = _cert_status(status, revoked_at, reason)
    start, end = _utc(this_update), _utc(next_update)
    if end <= start:
        raise ValueError("next_update must follow this_update")
    responder = asn1_x509.Certificate.load(responder_cert_der)
    tbs_fields: dict[str, object] = {
        "responder_id": ocsp.ResponderId(name="by_key", value=responder.public_key.sha1),
        "produced_at": _utc(now) if now is not None else start,
        "responses": [
            {
                "cert_id": cert_id,
                "cert_status": cert_status,
                "this_update": start,
                "next_update": end,
            }
        ],
    }
    if nonce is not None:
        tbs_fields["response_extensions"] = [
            {"extn_id": "nonce", "critical": False, "extn_value": nonce}
        ]
    return _signed_response(responder_signer, responder, ocsp.ResponseData(tbs_fields))


def ocsp_response_for(
    responder_signer: Signer,
    responder_cert_der: bytes,
    ca_cert_der: bytes,
    cert_der: bytes,
    status_info: CertStatusInfo,
    now: dt.datetime,
    validity: dt.timedelta = dt.timedelta(days=7),
) -> bytes:
    """In-process response for a certificate we hold (to embed in PDFs; no nonce)."""
    serial = int(asn1_x509.Certificate.load(cert_der).serial_number)
    return build_ocsp_response(
        responder_signer, responder_cert_der, ca_cert_der, serial,
        status_info.status, status_info.revoked_at, status_info.reason,
        now, now + validity, None, now=now,
    )


def ocsp_error_response(
    kind: Literal["malformed_request", "internal_error", "try_later", "unauthorized"],
) -> bytes:
    """An unsigned error OCSPResponse (RFC 6960 §2.3)."""
    return bytes(ocsp.OCSPResponse({"response_status": kind}).dump())


def answer_ocsp_request(
    request_der: bytes,
    responder_signer: Signer,
    responder_cert_der: bytes,
    ca_cert_der: bytes,
    lookup: Callable[[int], CertStatusInfo],
    now: dt.datetime,
    validity: dt.timedelta = dt.timedelta(days=1),
) -> bytes:
    """The whole responder: malformed → malformedRequest, another issuer →
    unauthorized, otherwise the status ``lookup(serial)`` gives, nonce echoed."""
    try:
        req = parse_ocsp_request(request_der)
    except MalformedRequest:
        return ocsp_error_response("malformed_request")
    if not issuer_matches(req, ca_cert_der):
        return ocsp_error_response("unauthorized")
    info = lookup(req.serial)
    return build_ocsp_response(
        responder_signer, responder_cert_der, ca_cert_der, req.serial,
        info.status, info.revoked_at, info.reason, now, now + validity,
        req.nonce, now=now, hash_algorithm=req.hash_algorithm,
    )
