"""One error base across the packages, one table at the HTTP edge.

Every error our packages raise on purpose is a :class:`formats.errors.DomainError` with its
own slug (the problem ``type`` clients rely on) and a kind; the edge maps kinds to statuses in
one table, and every class answers through it as a problem+json document.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections import defaultdict
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from formats import errors as generic
from formats.errors import DomainError, Kind

PACKAGES = ("formats", "ca", "certificate_store", "audit_log", "issuer", "verifier", "producers",
            "ecert")
# Slugs that several unrelated classes share on purpose, with the one meaning they share.
SHARED_SLUGS = {
    "malformed-input": "untrusted bytes that do not parse or verify: the PKI's and the "
                       "verifier's refusals are one opaque answer",
}
# What clients have always been answered (before the one table), and the named fixes.
STATUS_OF = {
    "ca.errors.MalformedJws": 422, "ca.errors.SignatureInvalid": 422,
    "ca.errors.HsmUnavailable": 503,  # was 422 "input could not be processed": the bug
    "certificate_store.errors.StoreUnavailable": 503, "certificate_store.errors.NotFound": 404,
    "certificate_store.errors.Conflict": 409, "certificate_store.errors.IntegrityViolation": 500,
    "audit_log.errors.InvalidEntry": 422, "audit_log.errors.WitnessRefusal": 409,
    "audit_log.errors.CosignatureInvalid": 422,
    "issuer.errors.InvalidCertificateData": 422, "issuer.errors.IllegalTransition": 409,
    "issuer.errors.NotFound": 404, "issuer.errors.Forbidden": 403, "issuer.errors.Conflict": 409,
    "issuer.errors.IdempotencyConflict": 409, "issuer.errors.ImportFailed": 422,
    "verifier.errors.MalformedInput": 422, "verifier.errors.NotFound": 404,
    "verifier.errors.PurposeRequired": 422, "verifier.errors.NotGranted": 403,
    "verifier.errors.Forbidden": 403, "verifier.errors.StaleList": 503,
    "verifier.errors.Conflict": 409, "ecert.services.verification.CapReached": 429,
    "ecert.services.verification.PresentationExpired": 410, "ecert.services.holder.NotASession": 409,
    "ecert.errors.UsageError": 422, "ecert.errors.NotInitialised": 503,
}
GENERIC = (generic.InvalidInput, generic.NotFound, generic.Conflict, generic.Forbidden,
           generic.Unavailable)


def _import_all() -> None:
    for name in PACKAGES:
        pkg = importlib.import_module(name)
        for mod in pkgutil.walk_packages(pkg.__path__, name + "."):
            if mod.name.endswith("__main__") or ".migrations" in mod.name:
                continue
            importlib.import_module(mod.name)


def _ours() -> list[type[DomainError]]:
    _import_all()
    seen: list[type[DomainError]] = []
    todo = list(DomainError.__subclasses__())
    while todo:
        cls = todo.pop()
        if cls not in seen and cls.__module__.split(".")[0] in PACKAGES:
            seen.append(cls)
            todo.extend(cls.__subclasses__())
    return sorted(seen, key=lambda c: f"{c.__module__}.{c.__qualname__}")


ERRORS = _ours()


def _name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def test_every_package_has_its_base() -> None:
    names = {_name(c) for c in ERRORS}
    for base in ("ca.errors.CaError", "certificate_store.errors.StoreError",
                 "audit_log.errors.AuditError", "issuer.errors.IssuerError",
                 "verifier.errors.VerifierError", "ecert.errors.EcertError"):
        assert base in names
    assert len(ERRORS) > 50


@pytest.mark.parametrize("cls", ERRORS, ids=_name)
def test_slug_and_kind(cls: type[DomainError]) -> None:
    assert cls.slug != DomainError.slug and re.fullmatch(r"[a-z]+(-[a-z0-9]+)*", cls.slug)
    assert isinstance(cls.kind, Kind)
    assert "status" not in vars(cls), "the edge maps the kind; errors carry no HTTP status"
    # With two error bases the MRO would pick the package base's slug: say both outright.
    if sum(issubclass(b, DomainError) for b in cls.__bases__) > 1:
        assert "slug" in vars(cls) and "kind" in vars(cls)
    for g in GENERIC:
        if issubclass(cls, g):
            assert cls.kind is g.kind
    if cls.__name__ in {g.__name__ for g in GENERIC}:
        assert issubclass(cls, getattr(generic, cls.__name__)), "subclass the generic one"
    exc = cls("message for the log")
    assert str(exc) == exc.message == "message for the log"


def test_slugs_are_unique_per_meaning() -> None:
    by_slug: dict[str, list[type[DomainError]]] = defaultdict(list)
    for cls in ERRORS:
        by_slug[cls.slug].append(cls)
    for slug, classes in by_slug.items():
        assert len({c.kind for c in classes}) == 1, (slug, classes)
        # Classes sharing a slug share an ancestor that carries it, or are declared above.
        roots = [c for c in classes if not any(c is not o and issubclass(c, o) for o in classes)]
        assert len(roots) == 1 or slug in SHARED_SLUGS, (slug, roots)


def test_status_table_covers_every_kind() -> None:
    from ecert.http.problems import KIND_STATUS

    assert set(KIND_STATUS) == set(Kind)
    assert KIND_STATUS[Kind.INTERNAL] == 500 and KIND_STATUS[Kind.UNAVAILABLE] == 503
    assert all(400 <= s < 600 for s in KIND_STATUS.values())


def _app(cls: type[DomainError]) -> TestClient:
    from ecert.http.problems import install

    app = FastAPI()
    install(app)

    @app.get("/boom")
    def boom() -> None:
        raise cls("secret detail for the log", errors=[{"field": "f", "message": "m"}])

    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize("cls", ERRORS, ids=_name)
def test_each_error_answers_problem_json_by_its_kind(cls: type[DomainError]) -> None:
    from ecert.http.problems import KIND_STATUS

    r = _app(cls).get("/boom")
    body = r.json()
    assert r.status_code == body["status"] == KIND_STATUS[cls.kind]
    assert r.headers["content-type"] == "application/problem+json"
    assert STATUS_OF.get(_name(cls), r.status_code) == r.status_code
    if cls.kind is Kind.INTERNAL:
        assert body["type"].endswith("/internal-error") and "secret" not in r.text
        return
    assert body["type"] == "https://ecert.example/problems/" + cls.slug
    assert body["errors"] == [{"field": "f", "message": "m"}]
    assert ("Retry-After" in r.headers) is (cls.kind is Kind.UNAVAILABLE)
    public = getattr(cls, "public_detail", None)
    assert body["detail"] == (public or "secret detail for the log")


def test_cli_prints_a_domain_error_and_exits_non_zero(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from ecert.cli.main import main
    from tests.api.conftest import free_port

    assert main(["restore", str(tmp_path / "none.zip")]) == 2  # ecert's own UsageError
    assert "is not a file" in capsys.readouterr().err
    # a store error (the database is down), caught by the same one clause
    monkeypatch.setenv("ECERT_DATABASE_URL",
                       f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test")
    monkeypatch.setenv("ECERT_KEY_PASSPHRASE", "test-passphrase-0123456789")
    assert main(["dept", "list", "--data-dir", str(tmp_path / "data")]) == 2
    assert "database unavailable" in capsys.readouterr().err
