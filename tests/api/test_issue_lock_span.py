"""Issuing: the QR URL is signed and kept after the issuing transaction has committed, so the
audit append lock (held from the audit entry to COMMIT) does not wait for it (issue 11, B3);
the answer is what it was: the URL kept for the version, the same on every later request."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from ecert.services import issuing
from tests.api.helpers import setup_training, training_request
from tests.conftest import auth


@pytest.fixture(scope="module")
def world(template, admin_token):  # type: ignore[no-untyped-def]
    return setup_training(template.client, admin_token)


def test_the_qr_url_is_kept_after_the_issuing_commit(client: Any, world: Any,
                                                    platform: Any) -> None:
    seen: list[str] = []

    def statement(conn: Any, cursor: Any, sql: str, *args: Any) -> None:
        seen.append(sql.split(" (")[0].strip())

    def commit(conn: Any) -> None:
        seen.append("COMMIT")

    engine = platform.store.engine
    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        r = client.post("/api/v1/certificates", json=training_request(41),
                        headers=auth(world["issuer"]))
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)
    assert r.status_code == 201, r.text
    # the issuing transaction (its version row, written with the audit entry) committed
    # before the URL was kept (SQLite's entries go through the driver, unseen here)
    issued = seen.index("INSERT INTO certificate_versions")
    kept = seen.index("INSERT INTO blob_cache")
    assert "COMMIT" in seen[issued:kept], seen
    assert issuing.qr_url(platform, r.json()["identifier"]) == r.json()["qr_url"]  # kept
