"""Notifications that arrive (Art. 9, 16, 17): the outbox (`notifications`, written in the
transaction of the change) delivered to department systems by webhook.

- Routing: a due event for `dept:CODE` gets one delivery to the department's registered
  endpoint (`ecert outbox webhook`); a department without one keeps its events queued.
- Delivery: signed the Standard Webhooks way — `webhook-id` (stable per event: the receiver's
  idempotency key, so a retried event is recognised), `webhook-timestamp`, `webhook-signature`
  `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` with the endpoint's `whsec_` secret.
  A 2xx answer delivers; anything else retries with exponential backoff (30 s doubling, at
  most an hour) until the 8th attempt, then the delivery is dead: listed and replayable
  (`ecert outbox list|replay`). Deliveries are leased while in flight, so two workers never
  send one at the same time. Delivered, dead and replayed are audited.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from audit_log.actor import Actor
from certificate_store import UnitOfWork
from certificate_store.repos.outbox import DeliveryRecord
from ecert.errors import UsageError
from ecert.services import mail, sms

if TYPE_CHECKING:
    from ecert.platform import Platform

log = logging.getLogger("ecert.outbox")
WORKER = Actor(name="system:outbox", role="system")
MAX_ATTEMPTS = 8
BACKOFF_BASE = dt.timedelta(seconds=30)
BACKOFF_CAP = dt.timedelta(hours=1)
LEASE = dt.timedelta(seconds=60)
TIMEOUT = 10.0


@dataclass(frozen=True)
class RunSummary:
    routed: int
    delivered: int
    retrying: int
    dead: int


# -- writing events (inside the caller's transaction) ----------------------------------------
def emit(uow: UnitOfWork, *, kind: str, identifier: str, version: int, data: dict[str, Any],
         now: dt.datetime, dept_code: str | None = None, holder_hash: str | None = None) -> bool:
    """Queue `kind` for the department's system or for the holder, once per (kind,
    certificate, version, recipient): the idempotency key of the event."""
    recipient = f"dept:{dept_code}" if dept_code else f"holder:{holder_hash}"
    body = {"identifier": identifier, "version": version, **data}
    return uow.notifications.enqueue(kind=kind, recipient=recipient, certificate_id=None,
                                     payload=json.dumps(body, ensure_ascii=False, sort_keys=True),
                                     due_at=now,
                                     dedupe_key=f"{kind}:{identifier}:{version}:{recipient[:5]}",
                                     now=now)


# -- the Standard Webhooks signature ----------------------------------------------------------
def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def message_id(dedupe_key: str) -> str:
    return "msg_" + hashlib.sha256(dedupe_key.encode()).hexdigest()[:32]


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def backoff(attempts: int) -> dt.timedelta:
    wait: dt.timedelta = BACKOFF_BASE * (2 ** max(0, attempts - 1))
    return min(BACKOFF_CAP, wait)


# -- configuration ------------------------------------------------------------------------------
def set_webhook(p: Platform, dept_code: str, url: str, actor: Actor) -> str:
    """Register the department's receiver; returns the new signing secret (shown once)."""
    if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")) or len(url) > 500:
        raise UsageError("the webhook URL must be https:// (500 characters at most)")
    secret = new_secret()
    with p.writing() as uow:
        uow.departments.get(dept_code)
        uow.outbox.set_endpoint(dept_code, url, secret, p.now())
        p.audit.record(uow, now=p.now(), actor=actor.name, actor_dept=actor.dept_code,
                       role=actor.role, action="webhook.set", request_id=actor.request_id,
                       details={"dept": dept_code, "url": url})
    return secret


# -- the worker ---------------------------------------------------------------------------------
def route_due(p: Platform) -> int:
    now = p.now()
    with p.store.transaction() as uow:
        due = uow.outbox.unrouted(now)
        for nid, recipient in due:
            who, _, key = recipient.partition(":")
            channels: list[tuple[str, str]] = []
            if who == "dept":
                endpoint = uow.outbox.endpoint(key)
                channels = [("webhook", endpoint.url)] if endpoint else []
            elif who == "holder":
                channels = [("inbox", recipient)]
                email = uow.outbox.contact(key)
                if email and p.settings.smtp_host:
                    channels.append(("email", email))
                phone = uow.outbox.phone(key)
                if phone and p.settings.sms_url:
                    channels.append(("sms", phone))
            uow.outbox.route(nid, channels, now)
    return len(due)


def _attempt(p: Platform, http: httpx.Client, d: DeliveryRecord) -> tuple[bool, str]:
    if d.channel == "email":
        return mail.send(p.settings, d.target, d.kind, json.loads(d.payload),
                         message_id(d.dedupe_key))
    if d.channel == "sms":
        gateway: sms.SmsGateway = sms.HttpSmsGateway(p.settings.sms_url, http)
        return gateway.send(d.target, sms.text(d.kind, json.loads(d.payload)),
                            message_id(d.dedupe_key))
    with p.store.transaction() as uow:
        endpoint = uow.outbox.endpoint(d.recipient.removeprefix("dept:"))
    if endpoint is None:
        return False, "no endpoint"
    ts = int(time.time())  # the real send time: receivers judge replays by it
    msg = message_id(d.dedupe_key)
    body = json.dumps({"type": d.kind, "timestamp": p.now().isoformat(),
                       "data": json.loads(d.payload)}, ensure_ascii=False).encode()
    headers = {"content-type": "application/json", "webhook-id": msg,
               "webhook-timestamp": str(ts), "webhook-signature": sign(endpoint.secret, msg, ts, body)}
    try:
        r = http.post(endpoint.url, content=body, headers=headers, timeout=TIMEOUT)
    except httpx.HTTPError as exc:
        return False, f"{type(exc).__name__}"
    return 200 <= r.status_code < 300, f"HTTP {r.status_code}"


def deliver_due(p: Platform, http: httpx.Client) -> tuple[int, int, int]:
    """Attempt every due delivery once: (delivered, retrying, dead)."""
    with p.store.transaction() as uow:
        claimed = uow.outbox.claim_due(p.now(), LEASE)
    counts = [0, 0, 0]
    for d in claimed:
        ok, result = _attempt(p, http, d)
        now = p.now()
        last = d.attempts + 1 >= MAX_ATTEMPTS
        with p.writing() as uow:
            rec = uow.outbox.result(d.id, delivered=ok, result=result, now=now,
                                    retry_at=None if ok or last else now + backoff(d.attempts + 1))
            if rec.state != "pending":
                p.audit.record(uow, now=now, actor=WORKER.name, actor_dept=None, role="system",
                               action=f"notification.{rec.state}",
                               details={"delivery": rec.id, "event": rec.kind,
                                        "recipient": rec.recipient, "channel": rec.channel,
                                        "attempts": rec.attempts, "result": rec.last_result,
                                        "webhook-id": message_id(rec.dedupe_key)})
        counts[0 if ok else (2 if rec.state == "dead" else 1)] += 1
    return counts[0], counts[1], counts[2]


def run_once(p: Platform, http: httpx.Client | None = None) -> RunSummary:
    routed = route_due(p)
    with (http or httpx.Client(follow_redirects=False)) as client:
        delivered, retrying, dead = deliver_due(p, client)
    return RunSummary(routed, delivered, retrying, dead)


def run_worker(p: Platform, interval: float, stop: threading.Event) -> None:
    """Deliver until `stop` is set (`ecert worker`, or a thread of `ecert serve`)."""
    while not stop.is_set():
        try:
            run_once(p)
        except Exception:  # keep delivering; the next pass retries
            log.exception("outbox pass failed")
        stop.wait(interval)


# -- the operator's view ------------------------------------------------------------------------
def list_deliveries(p: Platform, state: str | None = None, limit: int = 100) -> list[DeliveryRecord]:
    with p.store.transaction() as uow:
        return uow.outbox.deliveries(state, limit)


def replay(p: Platform, delivery_id: int, actor: Actor) -> DeliveryRecord:
    with p.writing() as uow:
        rec = uow.outbox.replay(delivery_id, p.now())
        p.audit.record(uow, now=p.now(), actor=actor.name, actor_dept=actor.dept_code,
                       role=actor.role, action="notification.replay", request_id=actor.request_id,
                       details={"delivery": rec.id, "event": rec.kind, "recipient": rec.recipient})
        return rec


def holder_inbox(p: Platform, holder_hash: str) -> list[tuple[int, str, str, dt.datetime]]:
    """The holder's events, newest first (the inbox on the holder page)."""
    with p.store.transaction() as uow:
        return uow.outbox.inbox(holder_hash)


def title(kind: str) -> str:
    return mail.SUBJECTS.get(kind, "电子证照通知")
