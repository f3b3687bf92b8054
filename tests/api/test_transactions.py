"""One transaction per operation: how many database transactions a request opens, and that
the tree-head decision is taken inside the write's own transaction (issue #10)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from certificate_store.repos.audit import EntryFilter
from tests.api.helpers import setup_training, training_request
from tests.conftest import auth


@pytest.fixture(scope="module")
def platform_env() -> dict[str, str]:
    return {"ECERT_STH_EVERY_N": "1"}  # every write must leave a signed head covering it


@pytest.fixture(scope="module")
def world(template, admin_token):  # type: ignore[no-untyped-def]
    return setup_training(template.client, admin_token)


@pytest.fixture
def quiet_client(platform: Any) -> Any:
    """The app without its lifespan: no housekeeping round opens transactions meanwhile."""
    from fastapi.testclient import TestClient

    from ecert.http.app import create_app

    return TestClient(create_app(platform.settings, platform), base_url="https://ecert.test")


@contextlib.contextmanager
def transactions(platform: Any) -> Iterator[list[int]]:
    """Counts the database transactions begun on the platform's engine meanwhile."""
    seen = [0]

    def begun(_conn: Any) -> None:
        seen[0] += 1

    event.listen(platform.store.engine, "begin", begun)
    try:
        yield seen
    finally:
        event.remove(platform.store.engine, "begin", begun)


def _issue(client: Any, world: dict[str, str], seed: int) -> dict[str, Any]:
    r = client.post("/api/v1/certificates", json=training_request(seed),
                    headers=auth(world["issuer"]))
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_issue_opens_authenticate_and_issue_only(platform, quiet_client, world) -> None:  # type: ignore[no-untyped-def]
    with transactions(platform) as seen:
        body = _issue(quiet_client, world, 41)
    assert body["qr_url"].startswith(f"https://ecert.test/v/{body['identifier']}#")
    # authenticate; issue + tree head; the QR URL signed and kept after that commit, not under
    # the audit append lock (issue 11, B3: ecert/services/issuing.py `_kept_qr_url`)
    assert seen[0] <= 3, seen


def test_issuance_is_covered_by_a_head_signed_in_its_transaction(platform, quiet_client,  # type: ignore[no-untyped-def]
                                                                 world) -> None:
    with transactions(platform) as seen:
        body = _issue(quiet_client, world, 42)
    # authenticate, issue, QR URL: the head below was signed in the issuing transaction (the
    # QR URL's transaction writes no audit entry and decides no head)
    assert seen[0] <= 3, seen
    with platform.store.transaction() as uow:
        head = platform.audit.latest_head(uow)
        entries = uow.audit.list_entries(EntryFilter(cert_identifier=body["identifier"]),
                                         before=None, limit=10)
    issued = [e for e in entries if e.action == "certificate.issue"]
    assert len(issued) == 1 and head is not None
    assert head.tree_size == issued[0].idx + 1  # the newest head ends with this entry


def test_change_and_status_move_open_two_each(platform, quiet_client, world) -> None:  # type: ignore[no-untyped-def]
    ident = _issue(quiet_client, world, 43)["identifier"]
    with transactions(platform) as seen:
        r = quiet_client.post(f"/api/v1/certificates/{ident}/change",
                              json={"data": {"fields": {"hours": 64}}, "reason": "学时更正"},
                              headers=auth(world["issuer"]))
    assert r.status_code == 200, r.text
    assert r.json()["qr_url"].startswith(f"https://ecert.test/v/{r.json()['identifier']}#")
    assert seen[0] <= 2, seen
    with transactions(platform) as seen:
        r = quiet_client.post(f"/api/v1/certificates/{ident}/status",
                              json={"event": "suspend", "reason": "核查"},
                              headers=auth(world["issuer"]))
    assert r.status_code == 200, r.text
    assert seen[0] <= 2, seen


def test_first_pdf_download_opens_three(platform, quiet_client, world) -> None:  # type: ignore[no-untyped-def]
    ident = _issue(quiet_client, world, 44)["identifier"]
    url = f"/api/v1/certificates/{ident}/pdf"
    with transactions(platform) as seen:
        first = quiet_client.get(url, headers=auth(world["issuer"]))
    assert first.status_code == 200 and first.content.startswith(b"%PDF-")
    # authenticate; look up (ownership, record, QR URL, signing material); store the PDF with
    # the download's audit entry. Rendering and PAdES signing run between the last two with no
    # transaction open: SQLite has one writer, and signing takes a time stamp.
    assert seen[0] <= 3, seen
    with transactions(platform) as seen:
        again = quiet_client.get(url, headers=auth(world["issuer"]))
    assert again.content == first.content
    assert seen[0] <= 2, seen  # authenticate; the cached PDF and the download's audit entry
    with platform.store.transaction() as uow:
        downloads = [e for e in uow.audit.list_entries(EntryFilter(cert_identifier=ident),
                                                       before=None, limit=20)
                     if e.action == "certificate.download"]
    assert len(downloads) == 2
