"""The pre-signing validation of a B-LT/B-LTA signature, kept across documents (issue 11, B4).

Before it signs at B-LT, pyHanko validates the signer's and the TSA's certificate paths
against the OCSP answers and CRLs it will embed (and asks the TSA for a dummy time stamp to
learn its certificate). For a platform the inputs are the same for many documents in a row:
the department certificate, the chain, the TSA certificate and OCSP answers / CRLs that the
authority re-signs only when a status changes or they near their nextUpdate
(``authority.reuse``). That validation was about a third of the CPU of a B-LT signature.

A result is reused only for the very same inputs (every DER is part of the key, so a new
OCSP answer or CRL — e.g. after a revocation — is validated afresh) and only at times at which
it cannot have changed: not before the time it was made, not after any certificate's notAfter
or any OCSP answer's / CRL's nextUpdate, and at most :data:`KEEP_FOR` later. The checks are
all monotonic in time, so a path valid at t0 is valid at every such t1.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from asn1crypto import crl, ocsp
from asn1crypto import x509 as asn1_x509

__all__ = ["KEEP_FOR", "KeptValidation", "ValidationKeeper", "keeper"]

KEEP_FOR = dt.timedelta(minutes=5)
_ENTRIES = 64


@dataclass(frozen=True)
class KeptValidation:
    """pyHanko's ``PreSignValidationStatus`` and the ``ValidationContext`` it came from."""

    status: Any
    context: Any
    checked_at: dt.datetime
    good_until: dt.datetime


def _good_until(checked_at: dt.datetime, cert_ders: Sequence[bytes],
                ocsp_ders: Sequence[bytes], crl_ders: Sequence[bytes]) -> dt.datetime | None:
    """The first instant after ``checked_at`` at which the validation could turn out
    otherwise; None when some answer has no nextUpdate (then it is never kept)."""
    limits = [checked_at + KEEP_FOR]
    limits += [asn1_x509.Certificate.load(d).not_valid_after for d in cert_ders]
    for der in ocsp_ders:
        basic = ocsp.OCSPResponse.load(der).basic_ocsp_response
        for single in basic["tbs_response_data"]["responses"]:
            nxt = single["next_update"].native
            if nxt is None:
                return None
            limits.append(nxt)
    for der in crl_ders:
        nxt = crl.CertificateList.load(der)["tbs_cert_list"]["next_update"].native
        if nxt is None:
            return None
        limits.append(nxt)
    return min(limits)


class ValidationKeeper:
    """Kept pre-signing validations, keyed by every input; safe across threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: OrderedDict[bytes, KeptValidation] = OrderedDict()
        self.hits = 0
        """Signatures that reused a kept validation (for tests and benchmarks)."""

    @staticmethod
    def key(*parts: bytes | Sequence[bytes]) -> bytes:
        h = hashlib.sha256()
        for part in parts:
            for der in (part,) if isinstance(part, bytes) else part:
                h.update(len(der).to_bytes(4, "big") + der)
            h.update(b"|")
        return h.digest()

    def get(self, key: bytes, now: dt.datetime) -> KeptValidation | None:
        with self._lock:
            kept = self._kept.get(key)
            if kept is None or not kept.checked_at <= now <= kept.good_until:
                return None
            self.hits += 1
            return kept

    def put(self, key: bytes, status: Any, context: Any, now: dt.datetime,
            cert_ders: Sequence[bytes], ocsp_ders: Sequence[bytes],
            crl_ders: Sequence[bytes]) -> None:
        until = _good_until(now, cert_ders, ocsp_ders, crl_ders)
        if until is None or until <= now:
            return
        with self._lock:
            self._kept[key] = KeptValidation(status, context, now, until)
            self._kept.move_to_end(key)
            while len(self._kept) > _ENTRIES:
                self._kept.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
            self.hits = 0


keeper = ValidationKeeper()
"""The process's keeper (used by :func:`ca.pdf.sign_pdf`)."""
