"""Holders are told by text message too: a real HTTP SMS gateway started by the test (down at
first, then up), each event once with its idempotency key, in the same delivery log as webhooks
and e-mail; the words are the lifecycle's own (吊销 is not 注销)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.api.conftest import free_port
from tests.api.helpers import training_request
from tests.conftest import auth

SMS_PORT = free_port()
PHONE = "+8613800000000"


class Gateway:
    """An SMS gateway's HTTP front: stores what it is sent, answers 200."""

    def __init__(self, port: int) -> None:
        received = self.received = []  # type: list[dict[str, Any]]

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["content-length"]))
                received.append(json.loads(body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Gateway:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def platform_env() -> dict[str, str]:
    return {"ECERT_SMS_URL": f"http://127.0.0.1:{SMS_PORT}/send"}


def test_sms_arrives_once_after_the_gateway_comes_back(platform: Any, client: Any, clock: Any,
                                                       world: dict[str, Any]) -> None:
    from ecert.services import outbox

    req = training_request(31)
    r = client.post("/api/v1/certificates", json=req, headers=auth(world["issuer"]))
    assert r.status_code == 201, r.text
    ident = r.json()["identifier"]
    code = req["data"]["holder"]["code"]
    with platform.store.transaction() as uow:  # what the identity service vouched for at sign-in
        uow.outbox.set_phone(uow.holder_hash(code), PHONE, platform.now())
    first = outbox.run_once(platform)  # the gateway is not up yet
    assert first.delivered == 0 and first.retrying == 1
    (pending,) = [d for d in outbox.list_deliveries(platform) if d.channel == "sms"]
    assert pending.state == "pending" and pending.last_result.startswith("SMS ")
    with Gateway(SMS_PORT) as gw:
        clock.advance(seconds=31)
        assert outbox.run_once(platform).delivered == 1
        assert outbox.run_once(platform).delivered == 0  # once
        r = client.post(f"/api/v1/certificates/{ident}/status", headers=auth(world["issuer"]),
                        json={"event": "revoke", "reason": "以欺骗手段取得"})
        assert r.status_code == 200, r.text
        assert outbox.run_once(platform).delivered == 1
    issued, revoked = gw.received
    assert issued["to"] == PHONE and ident in issued["text"] and "已签发" in issued["text"]
    assert code not in issued["text"]  # no ID number in a text message
    assert "已吊销" in revoked["text"] and "注销" not in revoked["text"]
    sms = [d for d in outbox.list_deliveries(platform) if d.channel == "sms"]
    assert {d.state for d in sms} == {"delivered"}
    assert issued["id"] == outbox.message_id(next(d for d in sms if d.kind ==
                                                   "certificate.issued").dedupe_key)


def test_sms_url_must_be_https_or_loopback(tmp_path: Any) -> None:
    from ecert.errors import ConfigError
    from ecert.settings import load_settings

    env = {"ECERT_KEY_PASSPHRASE": "x" * 16}
    with pytest.raises(ConfigError, match="ECERT_SMS_URL"):
        load_settings({**env, "ECERT_SMS_URL": "http://sms.example.gov.cn/send"},
                      data_dir=tmp_path)
    ok = load_settings({**env, "ECERT_SMS_URL": "https://sms.example.gov.cn/send"},
                       data_dir=tmp_path)
    assert ok.sms_url == "https://sms.example.gov.cn/send"
