"""Holders are told: by e-mail over SMTP (a real aiosmtpd server, down for a while and then
up) and in the inbox the holder page shows; each event once, with its idempotency key."""

from __future__ import annotations

from email import message_from_bytes
from email.header import decode_header, make_header
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.api.conftest import free_port
from tests.api.helpers import training_request
from tests.conftest import auth

SMTP_PORT = free_port()


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.original_content or envelope.content))
        return "250 OK"


@pytest.fixture(scope="module")
def platform_env() -> dict[str, str]:
    return {"ECERT_SMTP_HOST": "127.0.0.1", "ECERT_SMTP_PORT": str(SMTP_PORT),
            "ECERT_MAIL_FROM": "notice@ecert.test"}


def test_mail_arrives_after_the_server_comes_back(platform: Any, client: Any, clock: Any,
                                                  world: dict[str, Any]) -> None:
    from ecert.services import outbox

    req = training_request(21)
    r = client.post("/api/v1/certificates", json=req, headers=auth(world["issuer"]))
    ident = r.json()["identifier"]
    code = req["data"]["holder"]["code"]
    with platform.store.transaction() as uow:  # what the identity service vouched for at sign-in
        uow.outbox.set_contact(uow.holder_hash(code), "holder@example.test", platform.now())
    first = outbox.run_once(platform)  # no SMTP server yet
    assert first.delivered == 0 and first.retrying == 1
    box = Mailbox()
    smtp = Controller(box, hostname="127.0.0.1", port=SMTP_PORT)
    smtp.start()
    try:
        clock.advance(seconds=31)
        assert outbox.run_once(platform).delivered == 1
        assert outbox.run_once(platform).delivered == 0  # once
    finally:
        smtp.stop()
    (msg,) = box.messages
    assert msg["To"] == "holder@example.test"
    assert "已签发" in str(make_header(decode_header(msg["Subject"])))
    body = msg.get_payload(decode=True).decode()
    assert ident in body and code not in body
    email = [d for d in outbox.list_deliveries(platform) if d.channel == "email"]
    assert email[0].state == "delivered" and email[0].attempts == 2
    assert msg["X-Ecert-Event-Id"] == outbox.message_id(email[0].dedupe_key)
    # the same event is in the holder's inbox
    holder = client.post("/api/v1/tokens", json={"role": "holder", "holder_code": code},
                         headers=auth(client.headers["x-admin"])).json()["token"]
    items = client.get("/api/v1/holder/inbox", headers=auth(holder)).json()
    assert [i["kind"] for i in items] == ["certificate.issued"]
    assert items[0]["data"]["identifier"] == ident


@pytest.fixture(autouse=True)
def _admin(client: Any, admin_token: str) -> None:
    client.headers["x-admin"] = admin_token
