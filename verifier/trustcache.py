"""Per-process copies of the rarely changing rows a verification reads: the signing
department's key (with its chain and predecessors) and the certificate type's definition.

A verification used to read them every time (5 statements of its 8 reads, plus parsing and
chain-checking the same certificates). Each copy is valid only while the store's list
generation it was read under is unchanged (``certificate_store.generations``: ``trust``
moves with every commit to departments or PKI rows, ``catalog`` with every commit to
certificate types), so a verification reads the generations (one small SELECT) and re-reads
the rows only when they moved. A revoked key or CA, a rotation or a succession is therefore
seen by the very next verification in every process, fail closed.

The generations are read BEFORE the rows: rows read after a concurrent commit are newer than
the generation they are filed under, never older, so a change is never hidden.
One cache per store engine (the service keeps it per platform); a restored database with
reused generation numbers needs the workers restarted, as for the signed-list caches.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar, cast

from certificate_store import UnitOfWork
from certificate_store.errors import NotFound
from certificate_store.records import CertificateTypeRecord
from verifier.evidence import SigningKeyInfo
from verifier.gather import department_key

T = TypeVar("T")
_MISSING = object()

MAX_ENTRIES = 4096
"""Keys named by untrusted JWS headers are kept too (as "not ours"): bounded, then restarted."""


@dataclass
class _Generation:
    value: int
    items: dict[object, object] = field(default_factory=dict)


class TrustCache:
    """Shared by the threads of one process; each entry filed under its generation."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._trust = _Generation(-1)
        self._catalog = _Generation(-1)

    def view(self, uow: UnitOfWork) -> Trust:
        """What this transaction may take from the cache (the generations read on first use)."""
        return Trust(uow, self)

    def generations(self, uow: UnitOfWork) -> tuple[_Generation, _Generation]:
        """The (trust, catalog) entries of the store's current generations (one SELECT)."""
        gens = uow.list_generations()
        with self._lock:
            if self._trust.value != gens["trust"]:
                self._trust = _Generation(gens["trust"])
            if self._catalog.value != gens["catalog"]:
                self._catalog = _Generation(gens["catalog"])
            return self._trust, self._catalog


class Trust:
    """The trust material of one transaction: the cache's copy, else read and filed."""

    def __init__(self, uow: UnitOfWork, cache: TrustCache | None = None) -> None:
        self._uow = uow
        self._cache = cache
        self._gens: tuple[_Generation, _Generation] | None = None

    @classmethod
    def fresh(cls, uow: UnitOfWork) -> Trust:
        """No cache: every read goes to the store."""
        return cls(uow)

    def _gen(self, which: int) -> _Generation | None:
        if self._cache is None:
            return None
        if self._gens is None:  # once per transaction, before any row it guards is read
            self._gens = self._cache.generations(self._uow)
        return self._gens[which]

    def department_key(self, x5t_s256: str | None,
                       root_der: bytes | None) -> SigningKeyInfo | None:
        key = (x5t_s256, root_der)
        return _kept(self._gen(0), key, lambda: department_key(self._uow, x5t_s256, root_der))

    def catalog_type(self, type_code: str, version: int) -> CertificateTypeRecord | None:
        gen = self._gen(1)
        try:
            return _kept(gen, (type_code, version),
                         lambda: _type_or_none(self._uow, type_code, version))
        except Exception:  # noqa: BLE001 - as before: callers treat it as no type (not kept)
            return None


def _type_or_none(uow: UnitOfWork, type_code: str,
                  version: int) -> CertificateTypeRecord | None:
    try:
        return uow.catalog.get(type_code, version)
    except NotFound:
        return None


def _kept(gen: _Generation | None, key: object, read: Callable[[], T]) -> T:
    if gen is None:
        return read()
    items = gen.items
    hit = items.get(key, _MISSING)  # one lookup: another thread may clear the dict meanwhile
    if hit is not _MISSING:
        return cast(T, hit)
    value = read()
    if len(items) >= MAX_ENTRIES:
        items.clear()
    items[key] = value
    return value


_KEPT: weakref.WeakKeyDictionary[object, TrustCache] = weakref.WeakKeyDictionary()
_KEPT_LOCK = threading.Lock()


def kept_for(owner: object) -> TrustCache:
    """The cache of ``owner`` (a platform: one store), made on first use, gone with it."""
    with _KEPT_LOCK:
        cache = _KEPT.get(owner)
        if cache is None:
            cache = _KEPT[owner] = TrustCache()
        return cache
