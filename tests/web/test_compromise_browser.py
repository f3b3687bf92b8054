"""The citizen page and a key revoked for compromise (issue #9 §1): a QR the attacker signs
with the old key for a real identifier, with invented claims, is invalid on the page; the
holder's genuine QR, issued before the compromise, still shows valid (the server vouches)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.api.test_key_compromise import _parts, sign_qr
from tests.web.conftest import World
from tests.web.test_browser import CHROMIUM, chromium, on_live, verdict_of

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed")]


@pytest.fixture(scope="module")
def backend() -> str:
    return "sqlite"


def test_page_rejects_forgery_with_compromised_key(world: World, live_url: str, clock,  # type: ignore[no-untyped-def]
                                                   tmp_path: Path) -> None:
    from ecert.cli.common import cli_actor

    p = world.platform
    genuine = world.issue()["qr_url"]
    with p.store.transaction() as uow:
        old = uow.pki.active("department", world.iss)
    assert old is not None
    clock.advance(seconds=30)
    p.rotate_key(world.iss, cli_actor(), "key_compromise")
    _b, _h, claims = _parts(genuine)
    forged = sign_qr(genuine, p.pki.signer(old.key_label), {**claims, "vt": "2099-12-31"})

    dom = chromium(on_live(forged, live_url), tmp_path, "--dump-dom")
    assert verdict_of(dom) == "invalid", dom[:3000]
    assert "真实有效" not in dom
    dom = chromium(on_live(genuine, live_url), tmp_path, "--dump-dom")
    assert verdict_of(dom) == "valid", dom[:3000]
