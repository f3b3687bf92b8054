"""A value the database refuses (PostgreSQL: NUL bytes in text, integers out of range) is the
caller's input problem, answered 422 problem+json, never a 500."""

from __future__ import annotations

from tests.conftest import auth


def test_nul_bytes_and_huge_ids_are_input_errors(client, admin_token) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/tokens", json={"role": "admin", "label": "a\x00b"},
                    headers=auth(admin_token))
    # Refused at the edge on both databases (formats.text: no control characters in text).
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"][0]["field"] == "label"
    r = client.delete(f"/api/v1/tokens/{2**40}", headers=auth(admin_token))
    assert r.status_code in (404, 422), r.text
