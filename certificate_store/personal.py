"""How the store indexes holders without keeping their numbers (Art. 20).

Holders are indexed by a keyed hash (HMAC-SHA-256) of their normalised code, never the raw
ID number: an ID number has little entropy (region, birth date, sequence), so a plain SHA-256
could be reversed by enumeration from a database dump. The key lives in the data dir beside
the signing keys, not in the database. How personal data is masked for display is a wire
format: `formats.masking`.
"""

from __future__ import annotations

import functools
import hashlib
import hmac

# Only for stores opened without a key (tests, tools); a platform always passes its own.
UNKEYED = b"ecert-unkeyed-holder-index"


def holder_hash(holder_code: str, key: bytes) -> str:
    """HMAC-SHA-256 (hex) of the trimmed, upper-cased holder code under the index key."""
    h = _keyed(key).copy()  # the key schedule once per key, not per holder (bulk imports)
    h.update(holder_code.strip().upper().encode("utf-8"))
    return h.hexdigest()


@functools.lru_cache(maxsize=8)
def _keyed(key: bytes) -> hmac.HMAC:
    return hmac.new(key, digestmod=hashlib.sha256)
