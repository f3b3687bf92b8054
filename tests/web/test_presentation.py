"""亮证 (/p/<token>) is verified through the verifier's policy chain: key state, validity and
live status count as on every other path (issue #9)."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import World

_STATE = re.compile(r'id="result"[^>]*data-verdict="([a-z_]+)"')


def state_of(page: str) -> str | None:
    m = _STATE.search(page)
    return m.group(1) if m else None


def _present(world: World, ident: str) -> str:
    r = world.client.post(f"/api/v1/holder/certificates/{ident}/presentation",
                          headers=world.h("holder"))
    assert r.status_code == 200, r.text
    return str(r.json()["token"])


@pytest.mark.parametrize("reason", ["key_compromise", None])
def test_presentation_signed_with_old_key_is_invalid(world: World, reason: str | None) -> None:
    """An attacker holding a rotated-out key (compromised, or merely retired) signs a fresh
    token for a certificate the new key issued: the staff page must not show it valid."""
    from ecert.cli.common import cli_actor
    from verifier.holder import presentation_token

    p = world.platform
    with p.store.transaction() as uow:
        old = uow.pki.active("department", world.iss)
    assert old is not None
    p.rotate_key(world.iss, cli_actor(), reason)
    ident = world.issue()["identifier"]  # sealed with the new key: valid by itself
    assert state_of(world.client.get(f"/p/{_present(world, ident)}").text) == "valid"
    forged = presentation_token(ident, p.pki.signer(old.key_label), old.der, p.now())
    page = world.client.get(f"/p/{forged}")
    assert page.status_code == 200
    assert state_of(page.text) == "invalid", page.text
    assert "证照信息" not in page.text  # nothing of the certificate is shown


def test_presentation_of_expired_certificate_is_not_valid(world: World, clock) -> None:  # type: ignore[no-untyped-def]
    ident = world.issue()["identifier"]
    from verifier.holder import presentation_token

    clock.advance(days=3 * 366 + 2)  # past the type's three years of validity
    p = world.platform
    with p.store.transaction() as uow:  # the holder's API token has expired by now
        key = p.pki.signing_key(uow, world.iss)
    page = world.client.get(f"/p/{presentation_token(ident, key.signer, key.cert_der, p.now())}")
    assert state_of(page.text) not in (None, "valid"), page.text


def test_presentation_of_revoked_certificate_shows_revoked(world: World) -> None:
    ident = world.issue()["identifier"]
    token = _present(world, ident)
    world.status(ident, "revoke")
    assert state_of(world.client.get(f"/p/{token}").text) == "revoked"


def test_presentation_verifications_are_audited(world: World) -> None:
    ident = world.issue()["identifier"]
    world.client.get(f"/p/{_present(world, ident)}")
    acc = world.client.get(f"/api/v1/holder/certificates/{ident}/accesses",
                           headers=world.h("holder")).json()
    assert [a["action"] for a in acc].count("certificate.presentation.verify") == 1
