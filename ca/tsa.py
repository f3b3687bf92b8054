"""RFC 3161 time-stamping authority, signing with any :class:`Signer`.

``timestamp_response`` answers a DER TimeStampReq with a DER TimeStampResp:
SHA-256/384/512 imprints only, the ecert TSA policy (a request naming another
policy is rejected), the nonce echoed, ESSCertIDv2 (signing-certificate-v2) in the
signed attributes, certificates included only when ``certReq`` is true. Anything
unacceptable gets a ``rejection`` with the matching PKIFailureInfo bit.
``InProcessTimeStamper`` lets pyHanko stamp PDFs without HTTP; ``http_timestamper`` asks an
external RFC 3161 service over HTTP instead (``ECERT_TSA_URL``).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from collections.abc import Callable, Sequence

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from pyhanko.sign.timestamps.api import TimeStamper

from ca.certs import TSA_POLICY_OID
from ca.errors import MalformedRequest
from ca.signer import Signer

__all__ = [
    "timestamp_response",
    "parse_timestamp_request",
    "InProcessTimeStamper",
    "http_timestamper",
    "MAX_REQUEST_BYTES",
]

MAX_REQUEST_BYTES = 4096
_DIGEST_SIZES = {"sha256": 32, "sha384": 48, "sha512": 64}


class _TimeStampResp(core.Sequence):  # type: ignore[misc]
    """RFC 3161 TimeStampResp with the token OPTIONAL (asn1crypto requires it)."""

    _fields = [
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


class _Rejected(Exception):
    def __init__(self, failure: str, text: str) -> None:
        super().__init__(text)
        self.failure = failure
        self.text = text


def _rejection(failure: str, text: str) -> bytes:
    resp = _TimeStampResp(
        {
            "status": {
                "status": "rejection",
                "status_string": [text],
                "fail_info": tsp.PKIFailureInfo({failure}),
            }
        }
    )
    return bytes(resp.dump())


def _parse(request_der: bytes) -> tsp.TimeStampReq:
    if not request_der or len(request_der) > MAX_REQUEST_BYTES:
        raise _Rejected("bad_request", "request size out of range")
    try:
        req = tsp.TimeStampReq.load(request_der, strict=True)
        version = req["version"].native
        algo = req["message_imprint"]["hash_algorithm"]["algorithm"].native
        imprint = req["message_imprint"]["hashed_message"].native
        policy = req["req_policy"].native
        nonce = req["nonce"].native
        extensions = req["extensions"].native
        req["cert_req"].native  # noqa: B018 - forces parsing
    except (ValueError, TypeError, KeyError) as exc:
        raise _Rejected("bad_data_format", "not a TimeStampReq") from exc
    if version != "v1":
        raise _Rejected("bad_request", "version must be 1")
    if algo not in _DIGEST_SIZES:
        raise _Rejected("bad_alg", "imprint hash must be SHA-256/384/512")
    if not isinstance(imprint, bytes) or len(imprint) != _DIGEST_SIZES[algo]:
        raise _Rejected("bad_data_format", "imprint length does not match its hash")
    if policy is not None and policy != TSA_POLICY_OID:
        raise _Rejected("unaccepted_policy", "unknown policy")
    if extensions:
        raise _Rejected("unaccepted_extensions", "extensions not supported")
    if nonce is not None and (nonce < 0 or nonce.bit_length() > 256):
        raise _Rejected("bad_request", "nonce out of range")
    return req


def parse_timestamp_request(request_der: bytes) -> tsp.TimeStampReq:
    """Validate a request as the TSA would; raise :class:`MalformedRequest`."""
    try:
        return _parse(request_der)
    except _Rejected as exc:
        raise MalformedRequest(exc.text) from exc


@functools.lru_cache(maxsize=16)
def _tsa_parts(tsa_cert_der: bytes) -> tuple[bytes, bytes, bytes]:
    """DER of the parts that depend only on the TSA certificate (built once:
    asn1crypto is slow to build these structures from Python values)."""
    cert = asn1_x509.Certificate.load(tsa_cert_der)
    ess = tsp.SigningCertificateV2(
        {
            "certs": [
                {
                    "cert_hash": hashlib.sha256(tsa_cert_der).digest(),
                    "issuer_serial": {
                        "issuer": [asn1_x509.GeneralName(name="directory_name",
                                                         value=cert.issuer)],
                        "serial_number": cert.serial_number,
                    },
                }
            ]
        }
    )
    ess_attr = cms.CMSAttribute({"type": "signing_certificate_v2", "values": [ess]})
    sid = cms.SignerIdentifier(
        name="issuer_and_serial_number",
        value={"issuer": cert.issuer, "serial_number": cert.serial_number},
    )
    tsa_name = asn1_x509.GeneralName(name="directory_name", value=cert.subject)
    return bytes(ess_attr.dump()), bytes(sid.dump()), bytes(tsa_name.dump())


def _signed_attrs(tst_digest: bytes, tsa_cert_der: bytes, now: dt.datetime) -> cms.CMSAttributes:
    attrs = [
        cms.CMSAttribute({"type": "content_type", "values": ["tst_info"]}),
        cms.CMSAttribute({"type": "signing_time", "values": [cms.Time({"utc_time": now})]}),
        cms.CMSAttribute({"type": "message_digest", "values": [tst_digest]}),
        cms.CMSAttribute.load(_tsa_parts(tsa_cert_der)[0]),
    ]
    # DER: SET OF sorted by encoding.
    attrs.sort(key=lambda a: a.dump())
    return cms.CMSAttributes(attrs)


def timestamp_response(
    tsa_signer: Signer,
    tsa_cert_der: bytes,
    chain_ders: Sequence[bytes],
    request_der: bytes,
    serial: int,
    now: dt.datetime,
) -> bytes:
    """Answer a DER TimeStampReq with a DER TimeStampResp (granted or rejection)."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if not 0 < serial < 1 << 159:
        raise ValueError("serial must be positive and fit 20 octets")
    try:
        req = _parse(request_der)
    except _Rejected as exc:
        return _rejection(exc.failure, exc.text)
    gen_time = now.astimezone(dt.UTC).replace(microsecond=0)
    _, sid_der, tsa_name_der = _tsa_parts(tsa_cert_der)
    tst: dict[str, object] = {
        "version": "v1",
        "policy": TSA_POLICY_OID,
        "message_imprint": req["message_imprint"],
        "serial_number": serial,
        "gen_time": gen_time,
        "accuracy": {"seconds": 1},
        "tsa": asn1_x509.GeneralName.load(tsa_name_der),
    }
    if req["nonce"].native is not None:
        tst["nonce"] = req["nonce"].native
    tst_info = tsp.TSTInfo(tst)
    tst_der = tst_info.dump()
    signed_attrs = _signed_attrs(hashlib.sha256(tst_der).digest(), tsa_cert_der, gen_time)
    signature = tsa_signer.sign(signed_attrs.dump())
    signer_info = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier.load(sid_der),
            "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
            "signed_attrs": signed_attrs,
            "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"}),
            "signature": signature,
        }
    )
    sd: dict[str, object] = {
        "version": "v3",
        "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
        "encap_content_info": {
            "content_type": "tst_info",
            "content": core.ParsableOctetString(tst_der),
        },
        "signer_infos": [signer_info],
    }
    if req["cert_req"].native:
        sd["certificates"] = [asn1_x509.Certificate.load(tsa_cert_der)] + [
            asn1_x509.Certificate.load(d) for d in chain_ders if d != tsa_cert_der
        ]
    token = cms.ContentInfo({"content_type": "signed_data", "content": cms.SignedData(sd)})
    resp = tsp.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token})
    return bytes(resp.dump())


class InProcessTimeStamper(TimeStamper):
    """A pyHanko ``TimeStamper`` that calls :func:`timestamp_response` directly.

    ``clock`` supplies the time of each stamp (the caller decides what time is);
    serials are random 63-bit integers unless ``serials`` is given.
    """

    def __init__(
        self,
        tsa_signer: Signer,
        tsa_cert_der: bytes,
        chain_ders: Sequence[bytes],
        clock: Callable[[], dt.datetime],
        serials: Callable[[], int] | None = None,
    ) -> None:
        super().__init__(include_nonce=True)  # type: ignore[no-untyped-call]
        self._signer = tsa_signer
        self._cert_der = tsa_cert_der
        self._chain = tuple(chain_ders)
        self._clock = clock
        self._serials = serials or (lambda: secrets.randbits(63) | 1)

    def __repr__(self) -> str:
        return f"InProcessTimeStamper(signer={self._signer.label!r})"

    @property
    def cert_der(self) -> bytes:
        """The TSA's certificate (lets ``ca.pdf`` reuse validations of the same TSA)."""
        return self._cert_der

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        der = timestamp_response(self._signer, self._cert_der, self._chain, req.dump(),
                                 self._serials(), self._clock())
        return tsp.TimeStampResp.load(der)


def http_timestamper(url: str, timeout: float = 10.0) -> TimeStamper:
    """A pyHanko ``TimeStamper`` that POSTs RFC 3161 requests to ``url`` (one request per
    signature, ``timeout`` seconds). A service that does not answer with a time stamp makes
    :func:`ca.pdf.sign_pdf` raise :class:`ca.errors.TimestampUnavailable`."""
    from pyhanko.sign.timestamps.aiohttp_client import HTTPTimeStamper

    return HTTPTimeStamper(url, timeout=timeout)
