"""Notifications that arrive: events written with the change, delivered by the worker to a real
HTTP receiver that checks the Standard Webhooks signature (with the `standardwebhooks`
reference library), through the receiver being down and coming back, to dead letters and
their replay; exactly once in effect (the receiver keys on webhook-id)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tests.api.conftest import free_port
from tests.api.helpers import setup_training, training_request
from tests.conftest import auth


class Receiver:
    """A department system: verifies each request's signature, keeps each event once."""

    def __init__(self, port: int) -> None:
        self.port, self.secret, self.answer = port, "", 200
        self.events: dict[str, dict[str, Any]] = {}
        self.requests = 0
        self.bad_signatures = 0
        self._server: ThreadingHTTPServer | None = None

    def up(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["content-length"]))
                receiver.requests += 1
                try:
                    msg = Webhook(receiver.secret).verify(body, dict(self.headers.items()))
                except WebhookVerificationError:
                    receiver.bad_signatures += 1
                    self.send_response(401)
                    self.end_headers()
                    return
                if receiver.answer == 200:
                    receiver.events.setdefault(self.headers["webhook-id"], msg)
                self.send_response(receiver.answer)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def down(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@pytest.fixture(scope="module")
def world(template: Any, admin_token: str) -> dict[str, Any]:
    from producers._common import dept

    w: dict[str, Any] = dict(setup_training(template.client, admin_token))
    w["hrss"] = dept("hrss")
    return w


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(free_port())
    yield r
    r.down()


def _register(platform: Any, dept: str, receiver: Receiver) -> None:
    from ecert.cli.common import cli_actor
    from ecert.services import outbox

    receiver.secret = outbox.set_webhook(platform, dept, f"http://127.0.0.1:{receiver.port}/ecert",
                                         cli_actor())


def test_down_then_back_delivers_each_event_once(platform: Any, client: Any, clock: Any,
                                                  world: dict[str, Any], receiver: Receiver) -> None:
    from ecert.services import outbox

    _register(platform, world["hrss"], receiver)
    r = client.post("/api/v1/certificates", json=training_request(5), headers=auth(world["issuer"]))
    ident = r.json()["identifier"]
    s = client.post(f"/api/v1/certificates/{ident}/status", headers=auth(world["issuer"]),
                    json={"event": "suspend", "reason": "核查"})
    assert s.status_code == 200, s.text
    first = outbox.run_once(platform)  # the receiver is down: both attempts fail
    # two events for the department's system, the same two in the holder's inbox
    assert (first.routed, first.delivered, first.retrying) == (4, 0, 2)
    assert outbox.run_once(platform).retrying == 0  # not due yet: backoff
    receiver.up()
    clock.advance(seconds=31)
    again = outbox.run_once(platform)
    assert (again.delivered, again.retrying) == (2, 0)
    kinds = sorted(m["type"] for m in receiver.events.values())
    assert kinds == ["certificate.issued", "certificate.suspend"]
    assert all(m["data"]["identifier"].startswith(ident.rsplit(".", 2)[0])
               for m in receiver.events.values())
    assert receiver.bad_signatures == 0
    # replaying a delivered event sends the same webhook-id: the receiver keeps it once
    done = [d for d in outbox.list_deliveries(platform, "delivered") if d.channel == "webhook"]
    assert {d.attempts for d in done} == {2}
    from ecert.cli.common import cli_actor

    outbox.replay(platform, done[0].id, cli_actor())
    outbox.run_once(platform)
    assert len(receiver.events) == 2 and receiver.requests == 3
    audit = client.get("/api/v1/audit/entries", params={"action": "notification."},
                       headers=auth(world["auditor"])).json()["entries"]
    assert sum(e["action"] == "notification.delivered" for e in audit) == 3
    seen = client.get("/api/v1/outbox/deliveries", headers=auth(world["issuer"])).json()
    assert sorted((d["event"], d["state"]) for d in seen) == [
        ("certificate.issued", "delivered"), ("certificate.suspend", "delivered")]
    assert all(d["webhook_id"].startswith("msg_") and d["result"] == "HTTP 200" for d in seen)
    assert all(d["recipient"] == f"dept:{world['hrss']}" for d in seen)
    other = client.get("/api/v1/outbox/deliveries", headers=auth(world["other_issuer"])).json()
    assert other == []


def test_dead_letters_are_listed_and_replayed(platform: Any, client: Any, clock: Any,
                                              world: dict[str, Any], receiver: Receiver,
                                              capsys: Any, monkeypatch: Any) -> None:
    from ecert.cli.main import main
    from ecert.services import outbox

    _register(platform, world["hrss"], receiver)
    receiver.up()
    receiver.answer = 503
    client.post("/api/v1/certificates", json=training_request(6), headers=auth(world["issuer"]))
    for _ in range(outbox.MAX_ATTEMPTS):
        outbox.run_once(platform)
        clock.advance(hours=1)
    dead = outbox.list_deliveries(platform, "dead")
    assert len(dead) == 1 and dead[0].attempts == outbox.MAX_ATTEMPTS
    assert dead[0].last_result == "HTTP 503" and not receiver.events
    monkeypatch.setenv("ECERT_KEY_PASSPHRASE", "test-passphrase-0123456789")
    monkeypatch.setenv("ECERT_DATABASE_URL", platform.settings.database_url)
    data = ["--data-dir", str(platform.settings.data_dir)]
    assert main(["outbox", "list", "--state", "dead", *data]) == 0
    listing = capsys.readouterr().out
    assert "certificate.issued" in listing and "HTTP 503" in listing and "attempts 8" in listing
    receiver.answer = 200
    assert main(["outbox", "replay", str(dead[0].id), *data]) == 0
    assert main(["worker", "--once", *data]) == 0
    assert "delivered 1" in capsys.readouterr().out
    (event,) = receiver.events.values()
    assert event["type"] == "certificate.issued"


def test_the_event_commits_with_the_change_or_not_at_all(platform: Any, client: Any,
                                                         world: dict[str, Any]) -> None:
    before = _queued(platform)
    bad = training_request(9)
    bad["data"]["holder"]["code"] = "not-an-id"
    r = client.post("/api/v1/certificates", json=bad, headers=auth(world["issuer"]))
    assert r.status_code == 422
    assert _queued(platform) == before
    client.post("/api/v1/certificates", json=training_request(10), headers=auth(world["issuer"]))
    assert _queued(platform) == before + 2  # for the department's system and for the holder


def _queued(platform: Any) -> int:
    with platform.store.transaction() as uow:
        return len(uow.notifications.pending())


def test_objections_reach_the_department_and_the_answer_the_holder(
        platform: Any, client: Any, world: dict[str, Any], receiver: Receiver) -> None:
    from ecert.services import outbox

    _register(platform, world["hrss"], receiver)
    receiver.up()
    req = training_request(31)
    ident = client.post("/api/v1/certificates", json=req,
                        headers=auth(world["issuer"])).json()["identifier"]
    holder = client.post("/api/v1/tokens", json={"role": "holder",
                                                 "holder_code": req["data"]["holder"]["code"]},
                         headers=auth(client.headers["x-admin"])).json()["token"]
    filed = client.post("/api/v1/objections", json={"identifier": ident, "reason": "姓名有误"},
                        headers=auth(holder))
    assert filed.status_code == 201, filed.text
    outbox.run_once(platform)
    assert "objection.received" in {m["type"] for m in receiver.events.values()}
    answered = client.post(f"/api/v1/objections/{filed.json()['id']}/answer",
                           json={"answer": "已核实更正", "upheld": True},
                           headers=auth(world["issuer"]))
    assert answered.status_code == 200, answered.text
    kinds = [i["kind"] for i in client.get("/api/v1/holder/inbox", headers=auth(holder)).json()]
    assert kinds[0] == "objection.answered" and "certificate.issued" in kinds


@pytest.fixture(autouse=True)
def _admin(client: Any, admin_token: str) -> None:
    client.headers["x-admin"] = admin_token
