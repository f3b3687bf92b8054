"""Signed revocation answers, kept for reuse instead of signed per request.

Every public `GET /pki/crl/root.crl` used to sign a new CRL with the root key and take a CRL
number; every OCSP request signed a response. Anyone could make the root key sign at will.
Now (per process; several workers each keep their own):

* the CRL is signed again only when the set of revocations changed, or when the last one has
  passed :data:`CRL_REFRESH` of its validity (it stays valid until its nextUpdate);
* an OCSP response to a request without nonce is reused for :data:`OCSP_REUSE` while the
  certificate's status is unchanged (RFC 5019 style); a request with a nonce is signed for
  the caller (its nonce echoed), and the edge rate-limits those per client.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass

CRL_REFRESH = 0.75  # of the CRL's validity
OCSP_REUSE = dt.timedelta(minutes=5)
MAX_OCSP_ENTRIES = 10_000


@dataclass(frozen=True)
class _Kept:
    key: Hashable
    der: bytes
    made: dt.datetime
    until: dt.datetime


class CrlKeeper:
    """The last CRL, and when to sign the next one."""

    def __init__(self) -> None:
        self._kept: _Kept | None = None
        self._lock = threading.Lock()

    def get(self, state: Hashable, now: dt.datetime, validity: dt.timedelta,
            sign: Callable[[], bytes]) -> bytes:
        """The kept CRL for this revocation `state`, or a new one from `sign()`."""
        with self._lock:
            kept = self._kept
            if kept is not None and kept.key == state and kept.made <= now < kept.until:
                return kept.der
            der = sign()
            self._kept = _Kept(state, der, now, now + validity * CRL_REFRESH)
            return der


class OcspKeeper:
    """OCSP responses by (request, status), for :data:`OCSP_REUSE`."""

    def __init__(self) -> None:
        self._kept: dict[bytes, _Kept] = {}
        self._lock = threading.Lock()

    def get(self, request_der: bytes, status: Hashable, now: dt.datetime,
            sign: Callable[[], bytes]) -> bytes:
        digest = hashlib.sha256(request_der).digest()
        with self._lock:
            kept = self._kept.get(digest)
            if kept is not None and kept.key == status and kept.made <= now < kept.until:
                return kept.der
        der = sign()
        with self._lock:
            if len(self._kept) >= MAX_OCSP_ENTRIES:
                self._kept = {k: v for k, v in self._kept.items() if now < v.until}
                if len(self._kept) >= MAX_OCSP_ENTRIES:
                    self._kept.clear()
            self._kept[digest] = _Kept(status, der, now, now + OCSP_REUSE)
        return der
