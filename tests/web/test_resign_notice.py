"""Holders see that the platform re-signed their certificate (a new QR) after a key compromise."""

from __future__ import annotations

from tests.web.conftest import World


def test_holder_list_shows_qr_changed_after_compromise(world: World, clock) -> None:  # type: ignore[no-untyped-def]
    from ecert.cli.common import cli_actor
    from ecert.services import resign

    ident = world.issue()["identifier"]
    listed = world.client.get("/api/v1/holder/certificates", headers=world.h("holder")).json()
    assert all(c["qr_changed_at"] is None for c in listed)
    clock.advance(seconds=30)
    world.platform.rotate_key(world.iss, cli_actor(), "key_compromise")
    made = resign.run(world.platform)
    assert len(made.identifiers) >= 1
    listed = world.client.get("/api/v1/holder/certificates", headers=world.h("holder")).json()
    base = ident.rsplit(".", 2)[0]
    mine = [c for c in listed if c["identifier"].startswith(base)]
    assert len(mine) == 1 and mine[0]["identifier"] != ident and mine[0]["qr_changed_at"]
    page = world.client.get("/static/holder.js").text
    assert "qr_changed_at" in page
